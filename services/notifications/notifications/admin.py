"""Admin pages: manage subscriptions, read the delivery log with its attempts."""

from django.contrib import admin
from django.db import models

from notifications.models import Delivery, DeliveryAttempt, EmailRecipient, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Webhook endpoints; the secret is generated on save and shown read-only."""

    list_display = ["url", "is_active", "event_types", "owner", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "description"]
    readonly_fields = ["secret", "disabled_reason", "owner", "created_at", "updated_at"]
    fields = ["url", "description", "event_types", "is_active", *readonly_fields]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        """Whoever creates the endpoint owns it."""
        if not change and obj.owner_id is None:
            obj.owner = request.user
        if obj.is_active:
            obj.disabled_reason = ""
        super().save_model(request, obj, form, change)


@admin.register(EmailRecipient)
class EmailRecipientAdmin(admin.ModelAdmin):
    """E-mail recipients."""

    list_display = ["email", "is_active", "event_types", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["email"]


class DeliveryAttemptInline(admin.TabularInline):
    """The attempts of a delivery, read-only."""

    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = [
        "number",
        "attempted_at",
        "outcome",
        "status_code",
        "latency_ms",
        "error",
        "retry_in_seconds",
    ]

    def has_add_permission(self, request, obj=None):
        """The log is written by the workers only."""
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The delivery log, read-only."""

    list_display = [
        "created_at",
        "channel",
        "event_type",
        "event_id",
        "status",
        "attempt_count",
        "last_status_code",
    ]
    list_filter = ["status", "channel", "event_type"]
    search_fields = ["event_id"]
    list_select_related = ["endpoint", "recipient"]
    inlines = [DeliveryAttemptInline]

    def has_add_permission(self, request):
        """Deliveries come from events, not from the admin."""
        return False

    def has_change_permission(self, request, obj=None):
        """Read-only."""
        return False
