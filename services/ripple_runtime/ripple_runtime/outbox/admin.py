"""Admin views of the outbox and the relays' heartbeats: read-only, but for re-sending held rows."""

from django.contrib import admin, messages
from django.utils.text import Truncator

from ripple_runtime.outbox import claims
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
    """Events, pending, parked and published; parked (or backing-off) ones can be re-sent."""

    list_display = [
        "id",
        "service",
        "event_type",
        "aggregate_type",
        "aggregate_id",
        "created_at",
        "published_at",
        "attempts",
        "next_attempt_at",
        "parked_at",
        "short_last_error",
    ]
    list_filter = [
        "service",
        "event_type",
        ("published_at", admin.EmptyFieldListFilter),
        ("parked_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["event_id", "aggregate_id", "correlation_id"]
    actions = ["resend"]

    @admin.display(description="last error")
    def short_last_error(self, obj: OutboxEvent) -> str:
        """The broker's last refusal, cut to fit the list (the row's page shows all of it)."""
        return Truncator(obj.last_error).chars(120)

    def has_resend_permission(self, request) -> bool:
        """Re-sending changes rows, so it takes the permission to change outbox events."""
        return request.user.has_perm("outbox.change_outboxevent")

    @admin.action(description="Re-send selected parked or backing-off events now", permissions=["resend"])
    def resend(self, request, queryset):
        """Un-park the selected rows (attempts from zero) so the relay sends them at its next round."""
        event_ids = [str(event_id) for event_id in queryset.values_list("event_id", flat=True)]
        count = sum(
            claims.resend(service, event_ids)
            for service in queryset.values_list("service", flat=True).distinct().order_by()
        )
        skipped = len(event_ids) - count
        self.message_user(request, f"{count} events will be sent again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} selected events were neither parked nor backing off.", messages.WARNING
            )


@admin.register(RelayHeartbeat)
class RelayHeartbeatAdmin(ReadOnlyAdmin):
    """Relays and their last word."""

    list_display = [
        "relay_id",
        "service",
        "updated_at",
        "broker_connected",
        "published_total",
        "released_at",
        "last_error",
    ]
