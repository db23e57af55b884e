"""Serializers of the notifications API; unknown fields and unknown event types are refused."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.core.validators import RegexValidator, URLValidator
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from notifications import address_guard
from notifications.models import Delivery, DeliveryAttempt, EmailRecipient, WebhookEndpoint
from notifications.service import SUBSCRIBABLE_EVENT_TYPES
from notifications.webhook_urls import validate_webhook_url
from ripple_runtime.web.serializers import RejectUnknownFieldsMixin


class EventTypesField(serializers.ListField):
    """Event types this service subscribes to; an empty list means all of them."""

    def __init__(self, **kwargs):
        """A short list of known types."""
        kwargs.setdefault("max_length", 20)
        super().__init__(child=serializers.ChoiceField(choices=SUBSCRIBABLE_EVENT_TYPES), **kwargs)

    def run_validation(self, data=serializers.empty):
        """Validate (at most 20 given, as the schema says), then drop duplicates keeping the order."""
        value = super().run_validation(data)
        return value if value is None else list(dict.fromkeys(value))


class WebhookURLField(serializers.URLField):
    """An http(s) URL whose host may also be a single label such as `hooks` (notifications.webhook_urls)."""

    def __init__(self, **kwargs):
        """The one rule of what a webhook URL may look like, in place of Django's URLValidator."""
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, URLValidator)]
        self.validators.append(validate_webhook_url)


class SubscriptionSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    """Fields every subscription has."""

    event_types = EventTypesField(required=False, allow_empty=True)


class WebhookEndpointSerializer(SubscriptionSerializer):
    """A webhook endpoint; its secret is generated here and shown only to its owner."""

    url = WebhookURLField(max_length=2000, validators=[RegexValidator(r"^[Hh][Tt][Tt][Pp][Ss]?://")])
    secret = serializers.SerializerMethodField()
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "is_active",
            "disabled_reason",
            "secret",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["disabled_reason"]

    def get_secret(self, endpoint: WebhookEndpoint) -> str | None:
        """The signing secret, for the endpoint's owner only."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return endpoint.secret if user is not None and endpoint.owner_id == user.pk else None

    def validate_url(self, url: str) -> str:
        """http(s) only, and not a host webhooks may not call (checked again before each POST)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise serializers.ValidationError("Only http and https URLs are allowed.")
        if parts.username or parts.password:
            raise serializers.ValidationError(
                "Credentials in the URL are not allowed; the secret signs requests."
            )
        try:
            address_guard.check_host(parts.hostname or "")
        except address_guard.AddressRefused as exc:
            raise serializers.ValidationError(f"This address may not receive webhooks: {exc}.") from exc
        except address_guard.AddressUnresolved:
            pass  # it may resolve later; every delivery checks again
        return url

    def update(self, endpoint: WebhookEndpoint, validated_data):
        """Switching an endpoint back on clears why it was switched off."""
        if validated_data.get("is_active"):
            validated_data["disabled_reason"] = ""
        return super().update(endpoint, validated_data)


class EmailRecipientSerializer(SubscriptionSerializer):
    """An e-mail recipient."""

    class Meta:
        model = EmailRecipient
        fields = ["id", "email", "event_types", "is_active", "created_at", "updated_at"]


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    """One attempt of a delivery."""

    class Meta:
        model = DeliveryAttempt
        fields = [
            "number",
            "attempted_at",
            "outcome",
            "status_code",
            "latency_ms",
            "error",
            "retry_in_seconds",
        ]


class DeliverySerializer(serializers.ModelSerializer):
    """A delivery with every attempt and the event it carries."""

    attempts = DeliveryAttemptSerializer(many=True, read_only=True)
    event = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = [
            "id",
            "channel",
            "endpoint",
            "recipient",
            "event_id",
            "event_type",
            "status",
            "attempt_count",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "created_at",
            "updated_at",
            "attempts",
            "event",
        ]

    def get_event(self, delivery: Delivery) -> dict:
        """The event as sent."""
        return json.loads(delivery.payload)


@extend_schema_serializer(exclude_fields=["page", "page_size"])  # the paginator documents those
class DeliveryFilterSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """The query parameters of the delivery list; anything else is a 400."""

    status = serializers.ChoiceField(choices=Delivery.Status.choices, required=False)
    channel = serializers.ChoiceField(choices=Delivery.Channel.choices, required=False)
    endpoint = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    recipient = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    event_id = serializers.UUIDField(required=False)
    event_type = serializers.ChoiceField(choices=SUBSCRIBABLE_EVENT_TYPES, required=False)
    page = serializers.CharField(required=False)
    page_size = serializers.CharField(required=False)

    def filters(self) -> dict:
        """The validated filters as queryset keyword arguments."""
        return {
            f"{name}_id" if name in ("endpoint", "recipient") else name: value
            for name, value in self.validated_data.items()
            if name not in ("page", "page_size")
        }
