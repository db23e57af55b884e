"""OpenAPI 3 of every Ripple API (drf-spectacular) that says what the API really does.

What DRF enforces beyond the field types is written into the schema too: unknown fields are
refused (`additionalProperties: false`), text must not be blank once trimmed and never holds NUL
(a `pattern`), anonymous reads are allowed where the permissions allow them (`{}` in `security`),
and the error answers an operation can give (400, 401, 403, 404, 415) are listed with their JSON
body (and 414, which gunicorn gives for an overlong query before the API sees it).
`urlpatterns()` serves the schema at /api/schema/ and Swagger UI at /api/docs/.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from rest_framework import permissions, serializers
from rest_framework.settings import api_settings

from ripple_runtime.web.serializers import RejectUnknownFieldsMixin

# DRF's CharField trims whitespace, refuses a blank result unless allow_blank, and refuses NUL.
NOT_BLANK_TEXT = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
NOT_EMPTY_TEXT = r"^[^\u0000]+$"
TEXT = r"^[^\u0000]*$"
ERRORS = {
    "400": "The request is invalid; `errors` names each field and what is wrong with it.",
    "401": "No valid credentials (`Authorization: Token …`).",
    "403": "The credentials do not carry the permission this needs.",
    "404": "No such object, or a page past the last one.",
    "414": "The request line is longer than the server reads (gunicorn: 4094 bytes); no JSON body.",
    "415": "The body's Content-Type is not one this operation reads.",
}


class ErrorSerializer(serializers.Serializer):
    """Every error body: a message, and for invalid input what is wrong with each field."""

    detail = serializers.CharField()
    errors = serializers.JSONField(required=False)


def anonymous_may(view, method: str) -> bool:
    """Do the view's permissions let a request without credentials do this?"""
    if method not in permissions.SAFE_METHODS:
        return False
    for permission in view.get_permissions():
        if isinstance(permission, permissions.DjangoModelPermissionsOrAnonReadOnly):
            continue  # reads are open to anyone
        if not isinstance(permission, (permissions.AllowAny, permissions.IsAuthenticatedOrReadOnly)):
            return False
    return True


class RippleAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with what Ripple's APIs enforce and answer written in."""

    def get_auth(self):
        """The security requirements, with `{}` (none) where anonymous requests are allowed."""
        auths = super().get_auth()
        if auths and {} not in auths and anonymous_may(self.view, self.method):
            auths.append({})
        return auths

    def error_codes(self) -> list[str]:
        """The error answers this operation can give."""
        auths = self.get_auth()
        takes_input = self.method in ("POST", "PUT", "PATCH") or self._is_list_view()
        codes = {
            "400": takes_input,
            "401": any(auths),
            "403": any(auths) and {} not in auths,
            "404": "{" in self.path or self._is_list_view(),
            "414": self._is_list_view(),
            "415": self.method in ("POST", "PUT", "PATCH"),
        }
        return [code for code, applies in codes.items() if applies]

    def _get_response_bodies(self, direction="response"):
        """The documented answers, plus the JSON errors this operation can give."""
        responses = super()._get_response_bodies(direction)
        for code in self.error_codes():
            if code == "414":  # answered by the server in front of the API, not by it
                responses.setdefault(code, {"description": ERRORS[code]})
            elif code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, ["application/json"])
                responses[code]["description"] = ERRORS[code]
        return responses

    def _get_filter_parameters(self):
        """Query filters refuse NUL (ordering, which ignores what it does not know, aside)."""
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            plain = schema.get("type") == "string" and not {"pattern", "format", "enum"} & set(schema)
            if plain and parameter["name"] != api_settings.ORDERING_PARAM:
                schema["pattern"] = TEXT
        return parameters

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        """A request body of a serializer that refuses unknown fields, or no fields at all, says so."""
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        serializer = force_instance(serializer)
        if direction == "request" and isinstance(serializer, RejectUnknownFieldsMixin):
            schema["additionalProperties"] = False
        if direction == "request" and getattr(serializer, "min_properties", None):
            schema["minProperties"] = serializer.min_properties
        return schema

    def _map_basic_serializer(self, serializer, direction):
        """Map a serializer, remembering the direction for its fields' validators."""
        self._direction = direction
        return super()._map_basic_serializer(serializer, direction)

    def _insert_field_validators(self, field, schema):
        """What DRF checks and spectacular omits: text not blank nor NUL, lists and dicts not empty."""
        super()._insert_field_validators(field, schema)
        if getattr(self, "_direction", None) != "request":
            return
        if isinstance(field, serializers.ListField) and not field.allow_empty:
            schema.setdefault("minItems", 1)
        if isinstance(field, serializers.DictField) and not field.allow_empty:
            schema.setdefault("minProperties", 1)
        if not (isinstance(field, serializers.CharField) and schema.get("type") == "string"):
            return
        if not {"pattern", "format", "enum", "oneOf"} & set(schema):
            if field.allow_blank:
                schema["pattern"] = TEXT
            else:
                schema["pattern"] = NOT_BLANK_TEXT if field.trim_whitespace else NOT_EMPTY_TEXT


def urlpatterns() -> list:
    """/api/schema/ (OpenAPI 3, JSON or YAML) and /api/docs/ (Swagger UI, served locally)."""
    # Imported here: drf-spectacular's views load the schema class, which is this module.
    from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

    return [
        path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
        path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    ]
