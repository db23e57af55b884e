"""Django admin for the catalog; its deletes (single and bulk) emit the same events as the API.

Each admin delete is one deletion in the ledger, and its message links to it.
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from catalog.models import Category, Product, ProductMedia
from ledger import scope
from ledger.models import Deletion


class LedgerDeleteAdmin(admin.ModelAdmin):
    """Admin deletes are deletions of their own, like the API's, with a link to follow each."""

    def _link(self, request, opened: scope.OpenDeletion) -> None:
        """Tell the admin user where the deletion can be followed."""
        if opened.written is None:
            return
        url = reverse("admin:ledger_deletion_change", args=[opened.id])
        api = reverse("deletion-detail", args=[opened.id])
        self.message_user(
            request,
            format_html(
                'Follow the deletion ({} events) <a href="{}">in the ledger</a> or <a href="{}">its API</a>.',
                opened.written.events,
                url,
                api,
            ),
            messages.INFO,
        )

    def delete_model(self, request, obj):
        """Delete one object and its cascade with all their events, as one deletion."""
        with scope.deletion(Deletion.Kind.ADMIN, f"{obj._meta.model_name} {obj.pk}") as opened:
            super().delete_model(request, obj)
        self._link(request, opened)

    def delete_queryset(self, request, queryset):
        """The changelist's bulk delete: one transaction, one deletion."""
        summary = f"{queryset.count()} {queryset.model._meta.verbose_name_plural}"
        with scope.deletion(Deletion.Kind.ADMIN, summary) as opened:
            super().delete_queryset(request, queryset)
        self._link(request, opened)


class ProductMediaInline(admin.TabularInline):
    """Media listed on their product's page."""

    model = ProductMedia
    extra = 0
    readonly_fields = ["original_name", "content_type", "size", "created_at"]


@admin.register(Category)
class CategoryAdmin(LedgerDeleteAdmin):
    """Categories."""

    list_display = ["name", "slug", "updated_at"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]


@admin.register(Product)
class ProductAdmin(LedgerDeleteAdmin):
    """Products with their media inline."""

    list_display = ["sku", "name", "category", "price", "version", "updated_at"]
    list_filter = ["category"]
    search_fields = ["sku", "name"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [ProductMediaInline]


@admin.register(ProductMedia)
class ProductMediaAdmin(LedgerDeleteAdmin):
    """Media files."""

    list_display = ["file", "product", "content_type", "size", "created_at"]
    readonly_fields = ["original_name", "content_type", "size", "created_at"]
    search_fields = ["file", "original_name"]
