"""Django admin for the catalog; its deletes (single and bulk) emit the same events as the API."""

from django.contrib import admin

from catalog.models import Category, Product, ProductMedia
from ripple_runtime.outbox import recorder


class OutboxDeleteAdmin(admin.ModelAdmin):
    """Admin deletes go through the outbox batch, like the API's."""

    def delete_model(self, request, obj):
        """Delete one object and its cascade with all their events."""
        with recorder.batch():
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        """The changelist's bulk delete: one transaction, events inserted together."""
        with recorder.batch():
            super().delete_queryset(request, queryset)


class ProductMediaInline(admin.TabularInline):
    """Media listed on their product's page."""

    model = ProductMedia
    extra = 0
    readonly_fields = ["original_name", "content_type", "size", "created_at"]


@admin.register(Category)
class CategoryAdmin(OutboxDeleteAdmin):
    """Categories."""

    list_display = ["name", "slug", "updated_at"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]


@admin.register(Product)
class ProductAdmin(OutboxDeleteAdmin):
    """Products with their media inline."""

    list_display = ["sku", "name", "category", "price", "version", "updated_at"]
    list_filter = ["category"]
    search_fields = ["sku", "name"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [ProductMediaInline]


@admin.register(ProductMedia)
class ProductMediaAdmin(OutboxDeleteAdmin):
    """Media files."""

    list_display = ["file", "product", "content_type", "size", "created_at"]
    readonly_fields = ["original_name", "content_type", "size", "created_at"]
    search_fields = ["file", "original_name"]
