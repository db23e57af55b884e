"""What the ledger keeps: deletions, the events each emitted, and each service's receipt per event.

A deletion's counters (`settled`, `failed`, and the per-service `tally`) change only while its row
is locked by the receipt handler (ledger.receipts), so they equal what the receipt rows say, and
its `status` and each service's progress are read and filtered without counting receipts.
"""

from __future__ import annotations

import uuid

from django.db import models

from shared_contracts.events import ReceiptStatus


class Deletion(models.Model):
    """One delete request (a single DELETE, a bulk delete, a cascade, an admin delete) and where it stands."""

    class Status(models.TextChoices):
        PENDING = "pending"
        COMPLETE = "complete"
        FAILED = "failed"

    class Kind(models.TextChoices):
        SINGLE = "single"
        BULK = "bulk"
        CASCADE = "cascade"
        ADMIN = "admin"
        OTHER = "other"
        AUDIT = "audit"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    summary = models.CharField(max_length=200, help_text="What was asked, e.g. `product 42`.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField()
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    requested_by = models.CharField(max_length=150, blank=True)
    correlation_id = models.CharField(max_length=100, blank=True)
    events = models.PositiveIntegerField(default=0, help_text="How many events the deletion emitted.")
    expected = models.JSONField(default=dict, help_text="Per service, how many receipts it owes.")
    expected_total = models.PositiveIntegerField(default=0)
    settled = models.PositiveIntegerField(
        default=0, help_text="Receipts that are done, not applicable or repaired."
    )
    failed = models.PositiveIntegerField(default=0, help_text="Receipts that are failed now.")
    last_receipt_at = models.DateTimeField(null=True, blank=True)
    tally = models.JSONField(
        default=dict,
        help_text="Per service: its receipts by status and its last receipt's time (kept with the counters).",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "id"]
        indexes = [models.Index(fields=["status", "requested_at"], name="ledger_deletion_status_idx")]

    def __str__(self) -> str:
        """Kind, summary and status."""
        return f"{self.kind} {self.summary}: {self.status}"

    def status_from_counts(self) -> str:
        """`failed` while a receipt is failed, `complete` once every expected one settled, else `pending`."""
        if self.failed:
            return self.Status.FAILED
        if self.settled >= self.expected_total:
            return self.Status.COMPLETE
        return self.Status.PENDING


class DeletionEvent(models.Model):
    """One event a deletion emitted; the services bound to its type each owe a receipt for it."""

    id = models.BigAutoField(primary_key=True)
    deletion = models.ForeignKey(Deletion, on_delete=models.CASCADE, related_name="event_rows")
    event_id = models.UUIDField(unique=True)
    event_type = models.CharField(max_length=100)
    subject = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["deletion", "id"], name="ledger_event_deletion_idx")]

    def __str__(self) -> str:
        """Type and subject."""
        return f"{self.event_type} {self.subject}"


class Receipt(models.Model):
    """What one service reported for one event: its latest word (a later success replaces a failure)."""

    STATUSES = [(status.value, status.value) for status in ReceiptStatus]

    id = models.BigAutoField(primary_key=True)
    deletion = models.ForeignKey(Deletion, on_delete=models.CASCADE, related_name="receipts")
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=100)
    service = models.CharField(max_length=50)
    status = models.CharField(max_length=20, choices=STATUSES)
    reason = models.TextField(blank=True)
    item = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveIntegerField(default=1)
    handled_at = models.DateTimeField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event_id", "service"], name="ledger_one_receipt_per_service")
        ]
        indexes = [  # the failed ones, few, for the deletion's detail; counting reads Deletion.tally
            models.Index(
                fields=["deletion", "id"],
                condition=models.Q(status=ReceiptStatus.FAILED.value),
                name="ledger_receipt_failed_idx",
            ),
        ]

    def __str__(self) -> str:
        """Service, status and event."""
        return f"{self.service} {self.status} {self.event_id}"
