"""Serializer plumbing every API shares: unknown fields are refused, so typos never pass silently.

Text and booleans must also be of their JSON type: DRF's CharField takes a number (`0` becomes
"0") and its BooleanField takes 1, "yes" or "on", which the API schemas do not allow.
"""

from __future__ import annotations

from rest_framework import serializers

JSON_TYPES = (
    (serializers.BooleanField, bool, "Must be true or false."),
    (serializers.CharField, str, "Must be a string."),
)


class RejectUnknownFieldsMixin:
    """Answer 400 when the input names a field the serializer does not have (or cannot write).

    Text and boolean fields also take only values of their JSON type (a string, true or false).
    """

    def to_internal_value(self, data):
        """Reject keys that are not writable fields of this serializer, and values of the wrong type."""
        if hasattr(data, "keys"):
            writable = {name: field for name, field in self.fields.items() if not field.read_only}
            errors = {name: ["Unknown field."] for name in sorted(set(data.keys()) - set(writable))}
            for name, field in writable.items():
                value = data.get(name) if name in data else None
                for field_type, json_type, message in JSON_TYPES:
                    if (
                        isinstance(field, field_type)
                        and value is not None
                        and not isinstance(value, json_type)
                    ):
                        errors[name] = [message]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
