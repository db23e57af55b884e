"""Subscriptions (webhook endpoints, e-mail recipients) and the log of every delivery and attempt."""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from notifications.service import SUBSCRIBABLE_EVENT_TYPES

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
SECRET_BYTES = 32


def generate_secret() -> str:
    """A fresh Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


class Subscription(models.Model):
    """What a subscriber wants: event types (empty = every type this service handles), on or off."""

    event_types = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def clean(self) -> None:
        """Event types must be a list of types this service subscribes to (the admin's check)."""
        types = self.event_types
        if not isinstance(types, list) or any(kind not in SUBSCRIBABLE_EVENT_TYPES for kind in types):
            known = ", ".join(SUBSCRIBABLE_EVENT_TYPES)
            raise ValidationError({"event_types": f"A list of event types from: {known}; empty for all."})

    def wants(self, event_type: str) -> bool:
        """Does this subscription cover events of the type?"""
        return not self.event_types or event_type in self.event_types


class WebhookEndpoint(Subscription):
    """A URL that receives signed POSTs; a 410 answer switches it off."""

    url = models.URLField(max_length=2000, validators=[URLValidator(schemes=["http", "https"])])
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=100, default=generate_secret, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    disabled_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        """The URL."""
        return self.url

    def rotate_secret(self, grace: timedelta) -> None:
        """Replace the secret; the old one keeps signing too (a second signature) during the grace."""
        self.previous_secret, self.previous_secret_expires_at = self.secret, timezone.now() + grace
        self.secret = generate_secret()
        self.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])


class EmailRecipient(Subscription):
    """An address that receives an e-mail per matching event."""

    email = models.EmailField(unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        """The address."""
        return self.email


class Delivery(models.Model):
    """One event for one subscriber, with a snapshot of the event so it needs nothing else."""

    class Channel(models.TextChoices):
        WEBHOOK = "webhook"
        EMAIL = "email"

    class Status(models.TextChoices):
        PENDING = "pending"
        RETRYING = "retrying"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        DISABLED = "disabled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    endpoint = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        EmailRecipient, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=100)
    payload = models.TextField(help_text="The event's JSON, exactly as it is sent.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempt_count = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name_plural = "deliveries"
        indexes = [  # finished deliveries are pruned by age (notifications.retention)
            models.Index(fields=["status", "updated_at"], name="delivery_status_updated_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "endpoint"],
                condition=Q(endpoint__isnull=False),
                name="one_delivery_per_event_and_endpoint",
            ),
            models.UniqueConstraint(
                fields=["event_id", "recipient"],
                condition=Q(recipient__isnull=False),
                name="one_delivery_per_event_and_recipient",
            ),
            models.CheckConstraint(
                condition=Q(channel="webhook", endpoint__isnull=False, recipient__isnull=True)
                | Q(channel="email", recipient__isnull=False, endpoint__isnull=True),
                name="delivery_has_one_target_of_its_channel",
            ),
        ]

    def __str__(self) -> str:
        """Channel, event and status."""
        return f"{self.channel} {self.event_type} {self.event_id}: {self.status}"


class DeliveryAttempt(models.Model):
    """One try at a delivery: what came back, how long it took, what happens next."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded"
        RETRYING = "retrying"
        FAILED = "failed"
        DISABLED = "disabled"

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    attempted_at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=500, blank=True)
    retry_in_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="one_attempt_per_number")]

    def __str__(self) -> str:
        """Number and outcome."""
        return f"attempt {self.number}: {self.outcome}"
