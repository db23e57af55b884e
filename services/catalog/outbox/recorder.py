"""Write events into the outbox inside the caller's transaction, one row each or in a bulk batch."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from outbox.models import OutboxEvent
from shared_contracts.events import CloudEvent

_local = threading.local()
FLUSH_EVERY = 2000


def _row(event: CloudEvent, aggregate_type: str, aggregate_id: object) -> OutboxEvent:
    """Turn a validated event into an unsaved outbox row."""
    return OutboxEvent(
        event_id=event.id,
        event_type=event.type,
        routing_key=event.routing_key,
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        correlation_id=event.correlationid or "",
        body=event.to_json(),
        created_at=timezone.now(),
    )


def record(event: CloudEvent, *, aggregate_type: str, aggregate_id: object) -> None:
    """Add an event to the outbox of the current transaction (buffered while a batch is open)."""
    row = _row(event, aggregate_type, aggregate_id)
    buffer = getattr(_local, "buffer", None)
    if buffer is None:
        with transaction.atomic(using=DEFAULT_DB_ALIAS, savepoint=False):
            row.save(force_insert=True)
        return
    buffer.append(row)
    if len(buffer) >= FLUSH_EVERY:
        _flush(buffer)


def _flush(buffer: list[OutboxEvent]) -> None:
    """Insert the buffered rows with one statement per chunk and empty the buffer."""
    if buffer:
        OutboxEvent.objects.bulk_create(buffer, batch_size=1000)
        buffer.clear()


@contextmanager
def batch() -> Iterator[None]:
    """Run a block in one transaction whose events are inserted together at its end.

    All or nothing: the rows are written inside the same transaction as the block's changes,
    so a rollback (an exception) discards them with everything else. Nested batches join the
    outer one.
    """
    if getattr(_local, "buffer", None) is not None:
        yield
        return
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        _local.buffer = []
        try:
            yield
            _flush(_local.buffer)
        finally:
            _local.buffer = None
