"""Read-only admin views of the outbox and the relays' heartbeats."""

from django.contrib import admin

from ripple_runtime.outbox.models import OutboxEvent, RelayHeartbeat


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look, don't touch: rows change only through the recorder and the relay."""

    def has_add_permission(self, request):
        """Nobody adds rows by hand."""
        return False

    def has_change_permission(self, request, obj=None):
        """Nobody edits rows by hand."""
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    """Events, pending and published."""

    list_display = [
        "id",
        "service",
        "event_type",
        "aggregate_type",
        "aggregate_id",
        "created_at",
        "published_at",
    ]
    list_filter = ["service", "event_type", ("published_at", admin.EmptyFieldListFilter)]
    search_fields = ["event_id", "aggregate_id", "correlation_id"]


@admin.register(RelayHeartbeat)
class RelayHeartbeatAdmin(ReadOnlyAdmin):
    """Relays and their last word."""

    list_display = ["relay_id", "service", "updated_at", "broker_connected", "published_total", "last_error"]
