"""The outbox table, and the heartbeat each relay writes so /readyz can say how publishing goes.

Both are keyed by service (settings.RIPPLE_SERVICE), so services may share one database: each
relay claims, prunes and reports only its own service's rows.
"""

from django.db import models
from django.db.models import Q


class OutboxEvent(models.Model):
    """One event waiting to be published (published_at is null) or already confirmed by the broker.

    A row the broker refuses waits `next_attempt_at` (exponential backoff) before its next claim;
    after OUTBOX_MAX_ATTEMPTS refusals it is parked (`parked_at`) until an operator re-sends it.
    """

    id = models.BigAutoField(primary_key=True)
    service = models.CharField(max_length=50, help_text="The service whose relay publishes it.")
    event_id = models.UUIDField(unique=True, editable=False)
    event_type = models.CharField(max_length=100)
    routing_key = models.CharField(max_length=100)
    aggregate_type = models.CharField(max_length=50)
    aggregate_id = models.CharField(max_length=50)
    correlation_id = models.CharField(max_length=100, blank=True)
    body = models.TextField(help_text="The serialised CloudEvent, published byte for byte.")
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(
        max_length=200, blank=True, default="", db_default="", help_text="The relay publishing it now."
    )
    claimed_until = models.DateTimeField(null=True, blank=True, help_text="Another relay may take it after.")
    attempts = models.PositiveIntegerField(default=0, help_text="Publish attempts, refused ones included.")
    last_error = models.TextField(blank=True, help_text="Why the broker last refused it.")
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="Refused: not claimed again before this time (backoff)."
    )
    parked_at = models.DateTimeField(
        null=True, blank=True, help_text="Refused OUTBOX_MAX_ATTEMPTS times: never claimed until re-sent."
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            # What a relay claims from: unpublished and not parked (parked rows leave the index).
            models.Index(
                fields=["service", "id"],
                condition=Q(published_at__isnull=True, parked_at__isnull=True),
                name="outbox_service_claimable_idx",
            ),
            models.Index(
                fields=["service", "parked_at"],
                condition=Q(parked_at__isnull=False),
                name="outbox_service_parked_idx",
            ),
            models.Index(fields=["published_at"], name="outbox_published_at_idx"),
        ]

    def __str__(self) -> str:
        """Type and id, as the admin lists them."""
        return f"{self.event_type} {self.event_id}"


class RelayHeartbeat(models.Model):
    """The last word of one relay process: when it was alive and whether it could reach the broker."""

    relay_id = models.CharField(max_length=200, primary_key=True)
    service = models.CharField(max_length=50, blank=True)
    updated_at = models.DateTimeField()
    broker_connected = models.BooleanField(default=False)
    last_error = models.TextField(blank=True)
    published_total = models.BigIntegerField(default=0)
    pid_namespace = models.CharField(
        max_length=100,
        blank=True,
        default="",
        help_text="Kernel boot and pid namespace of its pid: where that pid names this process.",
    )
    released_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When its claims were given back: by itself as it stopped, or by a relay finding it dead.",
    )

    def __str__(self) -> str:
        """The relay's id."""
        return self.relay_id
