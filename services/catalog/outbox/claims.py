"""Claim outbox rows for one relay with a lease, in short transactions, and settle them afterwards.

A claim is a row lock for the instant it takes to stamp `claimed_by`/`claimed_until`: relays
never hold a transaction open while they wait for the broker, so one can claim its next batch
while its last one is being confirmed, and several relays share the outbox without publishing
a row twice. A relay that dies leaves its claims to expire; then another relay takes the rows.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from outbox.models import OutboxEvent

ROW_FIELDS = ("id", "event_id", "event_type", "routing_key", "body", "correlation_id")


def claim(relay_id: str, batch_size: int, lease: timedelta) -> list[tuple]:
    """Claim up to `batch_size` pending, unclaimed rows in id order; return them (ROW_FIELDS)."""
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Walk the pending index in id order and stop at the batch size. Without this, a table
            # never ANALYZEd (a fresh deploy's first burst) gets a bitmap scan that sorts every
            # pending row for each batch.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_sort = off")
        pks = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), published_at__isnull=True)
            .order_by("id")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not pks:
            return []
        OutboxEvent.objects.filter(pk__in=pks).update(claimed_by=relay_id, claimed_until=now + lease)
    return list(OutboxEvent.objects.filter(pk__in=pks).order_by("id").values_list(*ROW_FIELDS))


def mark_published(pks: list[int]) -> None:
    """The broker confirmed these rows."""
    if pks:
        OutboxEvent.objects.filter(pk__in=pks).update(
            published_at=timezone.now(), attempts=F("attempts") + 1, claimed_until=None
        )


def mark_failed(reasons: dict[int, str]) -> None:
    """The broker refused these rows (or never confirmed them): free them for the next attempt."""
    for pk, reason in reasons.items():
        OutboxEvent.objects.filter(pk=pk).update(
            attempts=F("attempts") + 1, last_error=reason[:2000], claimed_by="", claimed_until=None
        )


def release(relay_id: str) -> int:
    """Give back every unpublished row this relay still claims (after losing the broker)."""
    return OutboxEvent.objects.filter(claimed_by=relay_id, published_at__isnull=True).update(
        claimed_by="", claimed_until=None
    )
