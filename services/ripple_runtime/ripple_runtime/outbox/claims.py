"""The life of outbox rows on the relay's side: claimed with a lease, marked, released, parked, pruned.

A claim is a row lock for the instant it takes to stamp `claimed_by`/`claimed_until`: relays
never hold a transaction open while they wait for the broker, so one can claim its next batch
while its last one is being confirmed, and several relays share the outbox without publishing
a row twice. A relay that dies leaves its claims to expire, or to a live relay that sees it
silent (ripple_runtime.outbox.heartbeats); then another relay takes the rows. A row the broker
refuses backs off on the OUTBOX_REFUSED policy (`next_attempt_at`), and is parked (`parked_at`)
after its last attempt: never claimed again until `resend` puts it back.
Every query names the service: services sharing one database each relay their own rows only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from ripple_runtime import retry
from ripple_runtime.outbox.models import OutboxEvent
from ripple_runtime.retention import delete_in_batches


class ClaimedRow(NamedTuple):
    """What the relay needs of a claimed outbox row."""

    id: int
    event_id: object  # a UUID (a str of one on SQLite)
    event_type: str
    routing_key: str
    body: str
    correlation_id: str


ROW_FIELDS = ClaimedRow._fields
TABLE = OutboxEvent._meta.db_table
# One statement, one round trip, no list of ids to send: claim and read the batch on PostgreSQL.
CLAIM_SQL = f"""
    UPDATE {TABLE} SET claimed_by = %s, claimed_until = %s
    WHERE id IN (
        SELECT id FROM {TABLE}
        WHERE service = %s AND published_at IS NULL AND parked_at IS NULL
            AND (claimed_until IS NULL OR claimed_until < %s)
            AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
        ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
    )
    RETURNING {", ".join(ROW_FIELDS)}
"""  # noqa: S608 - table and column names are ours, values are parameters
MARK_PUBLISHED_SQL = f"""
    UPDATE {TABLE}
    SET published_at = %s, attempts = attempts + 1, claimed_until = NULL, next_attempt_at = NULL
    WHERE id = ANY(%s)
"""  # noqa: S608 - as above


def claim(service: str, relay_id: str, batch_size: int, lease: timedelta) -> list[ClaimedRow]:
    """Claim up to `batch_size` of the service's claimable rows in id order, and return them.

    Claimable: unpublished, not parked, not claimed by a live lease, and not backing off.
    """
    now = timezone.now()
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            # Walk the pending index in id order and stop at the batch size. Without this, a table
            # never ANALYZEd (a fresh deploy's first burst) gets a bitmap scan that sorts every
            # pending row for each batch.
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(CLAIM_SQL, [relay_id, now + lease, service, now, now, batch_size])
            return sorted(map(ClaimedRow._make, cursor.fetchall()))
    with transaction.atomic():
        pks = list(
            OutboxEvent.objects.filter(
                Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
                Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
                service=service,
                published_at__isnull=True,
                parked_at__isnull=True,
            )
            .order_by("id")
            .values_list("pk", flat=True)[:batch_size]
        )
        OutboxEvent.objects.filter(pk__in=pks).update(claimed_by=relay_id, claimed_until=now + lease)
        rows = OutboxEvent.objects.filter(pk__in=pks).order_by("id").values_list(*ROW_FIELDS)
        return list(map(ClaimedRow._make, rows))


def mark_published(pks: list[int]) -> None:
    """The broker confirmed these rows."""
    if not pks:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(MARK_PUBLISHED_SQL, [timezone.now(), pks])
        return
    OutboxEvent.objects.filter(pk__in=pks).update(
        published_at=timezone.now(), attempts=F("attempts") + 1, claimed_until=None, next_attempt_at=None
    )


def mark_failed(reasons: dict[int, str], refusals: retry.RetryPolicy = retry.OUTBOX_REFUSED) -> list[int]:
    """The broker refused these rows: back each off by its attempt count, or park it; return the parked."""
    now = timezone.now()
    parked = []
    with transaction.atomic():
        attempts = dict(OutboxEvent.objects.filter(pk__in=list(reasons)).values_list("pk", "attempts"))
        for pk, reason in reasons.items():
            attempt = attempts.get(pk, 0) + 1
            delay = refusals.delay(attempt)
            if delay is None:
                parked.append(pk)
                held = {"parked_at": now, "next_attempt_at": None}
            else:
                held = {"next_attempt_at": now + timedelta(seconds=delay)}
            OutboxEvent.objects.filter(pk=pk).update(
                attempts=attempt, last_error=reason[:2000], claimed_by="", claimed_until=None, **held
            )
    return parked


def held(service: str):
    """The service's unpublished rows the relay holds back: parked, or waiting out a backoff."""
    return OutboxEvent.objects.filter(
        Q(parked_at__isnull=False) | Q(next_attempt_at__isnull=False),
        service=service,
        published_at__isnull=True,
    )


def resend(service: str, event_ids: list | None = None) -> int:
    """Put the service's held rows (all, or those of `event_ids`) back to be sent now; return how many.

    Attempts start again from zero; the last error stays, for the record.
    """
    rows = held(service)
    if event_ids is not None:
        rows = rows.filter(event_id__in=event_ids)
    return rows.update(parked_at=None, next_attempt_at=None, attempts=0, claimed_by="", claimed_until=None)


def release(relay_id: str) -> int:
    """Give back every unpublished row this relay still claims (after losing the broker)."""
    # parked_at: never set on a claimed row, and it lets PostgreSQL walk the claim index.
    mine = OutboxEvent.objects.filter(claimed_by=relay_id, published_at__isnull=True, parked_at__isnull=True)
    return mine.update(claimed_by="", claimed_until=None)


PRUNE_CHUNK = 5000


def prune_published(service: str, retention: timedelta) -> int:
    """Delete the service's rows published longer ago than `retention`, in chunks; return how many went."""
    old = OutboxEvent.objects.filter(service=service, published_at__lt=timezone.now() - retention)
    return delete_in_batches(old, PRUNE_CHUNK)
