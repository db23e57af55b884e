"""Filters of the product list, shared by the list endpoint and bulk delete's `filter`."""

from __future__ import annotations

import django_filters

from catalog.models import Product


class ProductFilter(django_filters.FilterSet):
    """Products by category, SKU, name, price range and last change."""

    sku_prefix = django_filters.CharFilter(field_name="sku", lookup_expr="startswith")
    name = django_filters.CharFilter(field_name="name", lookup_expr="icontains")
    price_min = django_filters.NumberFilter(field_name="price", lookup_expr="gte")
    price_max = django_filters.NumberFilter(field_name="price", lookup_expr="lte")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Product
        fields = ["category", "sku"]
