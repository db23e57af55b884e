"""Serializers of the catalog API; unknown fields are refused so typos never pass silently."""

from __future__ import annotations

import posixpath

import django_filters
from django.conf import settings
from rest_framework import serializers

from catalog.api.filters import MAX_ID, PRICE_FILTER_LIMIT, IdFilter, PriceBoundFilter, ProductFilter
from catalog.models import Category, Product, ProductMedia
from ripple_runtime.web.serializers import RejectUnknownFieldsMixin

MAX_FILE_NAME = 150
# Stored as "<12 hex>-<name>", which must fit a file system's 255-byte limit for one name.
MAX_FILE_NAME_BYTES = 240


class StrictModelSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    """A ModelSerializer that refuses unknown fields."""


class CategorySerializer(StrictModelSerializer):
    """A category and how many products it has."""

    product_count = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description", "product_count", "created_at", "updated_at"]

    def get_product_count(self, category: Category) -> int:
        """How many products it has (counted by the list's query; a new category has none yet)."""
        count = getattr(category, "product_count", None)
        return category.products.count() if count is None else count


class MediaSerializer(StrictModelSerializer):
    """A media file; upload with multipart `product` and `file`."""

    url = serializers.SerializerMethodField()

    class Meta:
        model = ProductMedia
        fields = [
            "id",
            "product",
            "file",
            "url",
            "original_name",
            "content_type",
            "size",
            "created_at",
        ]
        read_only_fields = ["original_name", "content_type", "size"]
        extra_kwargs = {"file": {"write_only": True}}

    def get_url(self, media: ProductMedia) -> str:
        """Where the file is served from."""
        return media.file.url

    def validate_file(self, upload):
        """Refuse oversize files, names too long to store, and names that try to leave their folder."""
        name = upload.name or ""
        if not name or len(name) > MAX_FILE_NAME or len(name.encode()) > MAX_FILE_NAME_BYTES:
            raise serializers.ValidationError(
                f"File name must be 1 to {MAX_FILE_NAME} characters and at most {MAX_FILE_NAME_BYTES} bytes."
            )
        if "/" in name or "\\" in name or "\x00" in name or name in {".", ".."}:
            raise serializers.ValidationError("File name must not contain a path.")
        if posixpath.basename(name) != name or name.startswith("."):
            raise serializers.ValidationError("File name must not contain a path.")
        if upload.size > settings.MEDIA_MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(f"File is larger than {settings.MEDIA_MAX_UPLOAD_BYTES} bytes.")
        return upload

    def create(self, validated_data):
        """Record the original name, type and size alongside the stored file."""
        upload = validated_data["file"]
        validated_data.update(
            original_name=upload.name,
            content_type=(getattr(upload, "content_type", "") or "")[:100],
            size=upload.size,
        )
        return super().create(validated_data)


class ProductSerializer(StrictModelSerializer):
    """A product with its media; `version` grows with every change."""

    media = MediaSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "category",
            "sku",
            "name",
            "description",
            "price",
            "version",
            "media",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version"]


def filter_value_field(product_filter: django_filters.Filter) -> serializers.Field:
    """The JSON field that one of the product list's filters reads in bulk delete's `filter`."""
    if isinstance(product_filter, IdFilter):
        return serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    if isinstance(product_filter, PriceBoundFilter):
        limit = float(PRICE_FILTER_LIMIT)
        return serializers.FloatField(required=False, min_value=-limit, max_value=limit)
    if isinstance(product_filter, django_filters.IsoDateTimeFilter):
        return serializers.DateTimeField(required=False)
    return serializers.CharField(required=False)


class BulkDeleteFilterSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """The product list's filters (at least one), each of its own type; the same names as the list's."""

    min_properties = 1

    def get_fields(self):
        """One optional field per filter of the product list."""
        return {name: filter_value_field(f) for name, f in ProductFilter.base_filters.items()}

    def validate(self, attrs):
        """At least one filter."""
        if not attrs:
            raise serializers.ValidationError("Give at least one filter.")
        return attrs


class BulkDeleteSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """Which products to delete: `ids`, or a `filter` using the list endpoint's filters."""

    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        allow_empty=False,
        max_length=100_000,
    )
    filter = BulkDeleteFilterSerializer(required=False)
    dry_run = serializers.BooleanField(default=False)

    def validate(self, attrs):
        """Exactly one of `ids` and `filter`."""
        if ("ids" in attrs) == ("filter" in attrs):
            raise serializers.ValidationError("Give exactly one of `ids` and `filter`.")
        return attrs


class BulkDeleteReportSerializer(serializers.Serializer):
    """What a bulk delete deleted, or with `dry_run` would delete."""

    dry_run = serializers.BooleanField()
    products = serializers.IntegerField(help_text="How many products (are to) go.")
    media = serializers.IntegerField(help_text="How many media files go with them.")
    product_ids = serializers.ListField(child=serializers.IntegerField())
    missing_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Requested `ids` that do not exist."
    )
    deletion_id = serializers.UUIDField(
        allow_null=True,
        help_text="The deletion to follow in the ledger (null on a dry run or when nothing went).",
    )
    deletion_url = serializers.URLField(allow_null=True, help_text="`GET` it: is it gone everywhere yet?")
