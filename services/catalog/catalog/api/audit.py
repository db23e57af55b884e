"""The audit API: what exists, compact and keyset-paginated, for the services' `manage.py audit`.

`GET /api/v1/audit/products/?after=ID&limit=N`: live products as `[id, version]` pairs, by id.
`GET /api/v1/audit/media/?after=KEY&limit=N`: live media storage keys, in code-point order (the
order of Python's `sorted` and of a byte-wise comparison of UTF-8, on PostgreSQL and SQLite alike).

Each page answers `{"results": [...], "next_after": cursor | null}`; `next_after` is the last
key of a full page, null once a page came back short, so a consumer streams the whole set with
constant memory and merges it with its own sorted data. Reading needs a token whose user may
view products (`catalog.view_product`) or media (`catalog.view_productmedia`).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F
from django.db.models.functions import Collate
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.filters import MAX_ID
from catalog.models import Product, ProductMedia
from ripple_runtime.web.openapi import ERRORS, TEXT, ErrorSerializer

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 1_000
MAX_KEY_LENGTH = 255  # ProductMedia.file's max_length
# A byte-wise (code-point) collation: PostgreSQL's "C"; SQLite's default, BINARY, already is.
CODE_POINT_COLLATION = {"postgresql": "C", "sqlite": "BINARY"}


def limit_from(request) -> int:
    """`limit`: a whole number from 1 to MAX_LIMIT (ASCII digits only), DEFAULT_LIMIT if absent."""
    raw = request.query_params.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if raw.isascii() and raw.isdigit() and len(raw) <= 5 and 1 <= int(raw) <= MAX_LIMIT:
        return int(raw)
    raise ValidationError({"limit": [f"Must be a whole number from 1 to {MAX_LIMIT}."]})


def id_after(request) -> int:
    """`after` of the product listing: an id from 0 to 2**63 - 1 (0, the default, starts at the first)."""
    raw = request.query_params.get("after")
    if raw is None:
        return 0
    if raw.isascii() and raw.isdigit() and len(raw) <= 19 and int(raw) <= MAX_ID:
        return int(raw)
    raise ValidationError({"after": [f"Must be a whole number from 0 to {MAX_ID}."]})


def key_after(request) -> str:
    """`after` of the media listing: a storage key (empty, the default, starts at the first)."""
    raw = request.query_params.get("after", "")
    if len(raw) > MAX_KEY_LENGTH or "\x00" in raw:
        raise ValidationError({"after": [f"Must be at most {MAX_KEY_LENGTH} characters, without NUL."]})
    return raw


def code_point_ordered(field: str):
    """The column in code-point order, whatever collation the database uses by default."""
    return Collate(F(field), CODE_POINT_COLLATION.get(connection.vendor, "C"))


class CanView(permissions.BasePermission):
    """Authenticated, with the view permission the view names in `view_permission`."""

    def has_permission(self, request, view):
        """A token (or session) whose user may view what the listing lists."""
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(view.view_permission))


class ProductsPageSerializer(serializers.Serializer):
    """A page of live products."""

    results = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        help_text="`[id, version]` of each live product, by id.",
    )
    next_after = serializers.IntegerField(
        allow_null=True, help_text="`after` of the next page; null: this was the last."
    )


class MediaPageSerializer(serializers.Serializer):
    """A page of live media storage keys."""

    results = serializers.ListField(
        child=serializers.CharField(), help_text="Storage keys, in code-point order."
    )
    next_after = serializers.CharField(
        allow_null=True, help_text="`after` of the next page; null: this was the last."
    )


LIMIT = OpenApiParameter(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    description="Rows per page.",
)
ERROR_ANSWERS = {
    400: OpenApiResponse(ErrorSerializer, description=ERRORS["400"]),
    414: OpenApiResponse(description=ERRORS["414"]),
}


class AuditView(APIView):
    """A keyset-paginated listing of what exists; token authentication only, never anonymous."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [CanView]
    view_permission = ""

    @staticmethod
    def page(rows: list, limit: int, key) -> Response:
        """The page's answer: its rows and the cursor of the next one, if this page was full."""
        full = len(rows) == limit
        return Response({"results": rows, "next_after": key(rows[-1]) if full and rows else None})


class AuditProducts(AuditView):
    """Live products as `[id, version]`, by id."""

    view_permission = "catalog.view_product"

    @extend_schema(
        operation_id="audit_products",
        tags=["audit"],
        parameters=[
            OpenApiParameter(
                "after",
                {"type": "integer", "minimum": 0, "maximum": MAX_ID, "default": 0},
                description="Only products with a larger id (the previous page's `next_after`).",
            ),
            LIMIT,
        ],
        responses={200: ProductsPageSerializer, **ERROR_ANSWERS},
    )
    def get(self, request):
        """One page of `[id, version]` pairs of products whose id is above `after`."""
        limit, after = limit_from(request), id_after(request)
        rows = Product.objects.filter(pk__gt=after).order_by("pk").values_list("pk", "version")
        return self.page([list(row) for row in rows[:limit]], limit, key=lambda row: row[0])


class AuditMedia(AuditView):
    """Live media storage keys, in code-point order."""

    view_permission = "catalog.view_productmedia"

    @extend_schema(
        operation_id="audit_media",
        tags=["audit"],
        parameters=[
            OpenApiParameter(
                "after",
                {"type": "string", "maxLength": MAX_KEY_LENGTH, "pattern": TEXT, "default": ""},
                description="Only keys after this one (the previous page's `next_after`).",
            ),
            LIMIT,
        ],
        responses={200: MediaPageSerializer, **ERROR_ANSWERS},
    )
    def get(self, request):
        """One page of storage keys that sort after `after`."""
        limit, after = limit_from(request), key_after(request)
        ordered = code_point_ordered("file")
        keys = (
            ProductMedia.objects.annotate(key=ordered)
            .filter(key__gt=after)
            .order_by(ordered)
            .values_list("file", flat=True)
        )
        return self.page(list(keys[:limit]), limit, key=lambda key: key)
