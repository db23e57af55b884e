"""Filters of the product list, shared by the list endpoint and bulk delete's `filter`."""

from __future__ import annotations

from datetime import UTC
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from catalog.models import Product, ProductMedia

# Far above any price (12 digits), and a bound the API schema states (no database overflows).
PRICE_FILTER_LIMIT = Decimal(10) ** 20
CENT = Decimal("0.01")


class PriceBoundField(forms.DecimalField):
    """A price bound: any number from -1e20 to 1e20, rounded to cents inward.

    Prices have two decimals, so `price_min=12.491` means the same as 12.50 (rounded up) and
    `price_max=12.499` the same as 12.49 (rounded down): any precision is accepted.
    """

    def __init__(self, *args, rounding: str = ROUND_CEILING, **kwargs):
        """Round in the given direction."""
        super().__init__(*args, **kwargs)
        self.rounding = rounding

    def to_python(self, value):
        """Parse, bound and round to cents."""
        number = super().to_python(value)
        if number is None:
            return None
        if not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if number.copy_abs() > PRICE_FILTER_LIMIT:  # copy_abs: no context, so no Overflow
            raise ValidationError("Must be from -1e20 to 1e20.", code="max_value")
        return number.quantize(CENT, rounding=self.rounding)


@extend_schema_field({"type": "number", "minimum": -1e20, "maximum": 1e20})
class PriceBoundFilter(django_filters.NumberFilter):
    """A lower or upper bound on the price."""

    field_class = PriceBoundField


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


MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An id of a related row: a whole number from 1 (an id no row has matches nothing, not a 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        """Ids are 1 … 2**63 - 1."""
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class StrictFilterSet(django_filters.FilterSet):
    """Filters whose number or date-time parameters, given without a value, are a 400.

    `?updated_after=` is refused, as the API schema says, rather than silently no filter.
    """

    def is_valid(self) -> bool:
        """Valid values, and a value for every number or date-time filter that is given."""
        valid = super().is_valid()
        for name, value in self.data.items():
            typed = not isinstance(self.filters.get(name), django_filters.CharFilter)
            if name in self.filters and typed and str(value).strip() == "":
                self.form.add_error(name, "Give a value, or leave the parameter out.")
                valid = False
        return valid


class ProductFilter(StrictFilterSet):
    """Products by category, SKU, name, price range and last change."""

    category = IdFilter(field_name="category_id")
    sku_prefix = django_filters.CharFilter(field_name="sku", lookup_expr="startswith")
    name = django_filters.CharFilter(field_name="name", lookup_expr="icontains")
    price_min = PriceBoundFilter(field_name="price", lookup_expr="gte", rounding=ROUND_CEILING)
    price_max = PriceBoundFilter(field_name="price", lookup_expr="lte", rounding=ROUND_FLOOR)
    updated_after = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Product
        fields = ["category", "sku"]


class MediaFilter(StrictFilterSet):
    """Media files by product."""

    product = IdFilter(field_name="product_id")

    class Meta:
        model = ProductMedia
        fields = ["product"]
