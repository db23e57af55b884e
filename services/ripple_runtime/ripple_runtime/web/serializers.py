"""Serializer plumbing every API shares: unknown fields are refused, so typos never pass silently."""

from __future__ import annotations

from rest_framework import serializers


class RejectUnknownFieldsMixin:
    """Answer 400 when the input names a field the serializer does not have (or cannot write)."""

    def to_internal_value(self, data):
        """Reject keys that are not writable fields of this serializer."""
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data.keys()) - writable)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)
