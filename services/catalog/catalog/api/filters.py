"""Filters of the product list, shared by the list endpoint and bulk delete's `filter`."""

from __future__ import annotations

from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField

from catalog.models import Product

# More digits than a price has (12), few enough that no database overflows on 1e-999999999.
PRICE_FILTER_DIGITS = 20


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time that also exists in UTC (0001-01-01T00:00+01:00 does not)."""

    def to_python(self, value):
        """Parse and convert to UTC; a time outside UTC's calendar is a 400, not an OverflowError."""
        parsed = super().to_python(value)
        try:
            return parsed.astimezone(UTC) if parsed is not None else None
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """IsoDateTimeFilter whose values always fit the database's UTC timestamps."""

    field_class = UtcIsoDateTimeField


class ProductFilter(django_filters.FilterSet):
    """Products by category, SKU, name, price range and last change."""

    sku_prefix = django_filters.CharFilter(field_name="sku", lookup_expr="startswith")
    name = django_filters.CharFilter(field_name="name", lookup_expr="icontains")
    price_min = django_filters.NumberFilter(
        field_name="price", lookup_expr="gte", max_digits=PRICE_FILTER_DIGITS
    )
    price_max = django_filters.NumberFilter(
        field_name="price", lookup_expr="lte", max_digits=PRICE_FILTER_DIGITS
    )
    updated_after = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Product
        fields = ["category", "sku"]
