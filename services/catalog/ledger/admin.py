"""Read-only admin of the ledger: deletions with their counts, and the receipts services sent."""

from django.contrib import admin

from ledger.models import Deletion, Receipt


class ReadOnly(admin.ModelAdmin):
    """The ledger changes only through deletes and receipts."""

    def has_add_permission(self, request):
        """Nobody adds rows by hand."""
        return False

    def has_change_permission(self, request, obj=None):
        """Nobody edits rows by hand."""
        return False

    def has_delete_permission(self, request, obj=None):
        """The ledger is a record: nobody deletes from it by hand."""
        return False


class FailedReceiptInline(admin.TabularInline):
    """The receipts of a deletion that are failed now."""

    model = Receipt
    fields = ["service", "event_type", "event_id", "reason", "attempts", "handled_at"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = "failed receipts"

    def get_queryset(self, request):
        """Only the failed ones: a deletion may hold tens of thousands of receipts."""
        return super().get_queryset(request).filter(status="failed")


@admin.register(Deletion)
class DeletionAdmin(ReadOnly):
    """Deletions: what was asked, by whom, and how far every service got."""

    list_display = [
        "requested_at",
        "kind",
        "summary",
        "status",
        "events",
        "settled",
        "failed",
        "expected_total",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["id", "summary", "requested_by", "correlation_id"]
    readonly_fields = [field.name for field in Deletion._meta.fields]
    inlines = [FailedReceiptInline]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnly):
    """Every receipt, searchable by event id."""

    list_display = ["received_at", "service", "status", "event_type", "event_id", "deletion"]
    list_filter = ["service", "status"]
    search_fields = ["event_id", "reason"]
    raw_id_fields = ["deletion"]
