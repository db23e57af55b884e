"""Write events into the outbox inside the caller's transaction, one row each or in a bulk batch.

Rows carry the service that records them (settings.RIPPLE_SERVICE); only its relay publishes them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from ripple_runtime import bulk
from ripple_runtime.outbox import wakeup
from ripple_runtime.outbox.models import OutboxEvent
from shared_contracts.events import CloudEvent

_local = threading.local()
FLUSH_EVERY = 2000


COLUMNS = (
    "service",
    "event_id",
    "event_type",
    "routing_key",
    "aggregate_type",
    "aggregate_id",
    "correlation_id",
    "body",
    "created_at",
    "attempts",
    "last_error",
)


def _row(event: CloudEvent, aggregate_type: str, aggregate_id: object) -> tuple:
    """The column values of an event's outbox row, in COLUMNS order."""
    return (
        settings.RIPPLE_SERVICE,
        event.id,
        event.type,
        event.routing_key,
        aggregate_type,
        str(aggregate_id),
        event.correlationid or "",
        event.to_json(),
        timezone.now(),
        0,
        "",
    )


def record(event: CloudEvent, *, aggregate_type: str, aggregate_id: object) -> None:
    """Add an event to the outbox of the current transaction (buffered while a batch is open)."""
    row = _row(event, aggregate_type, aggregate_id)
    buffer = getattr(_local, "buffer", None)
    if buffer is None:
        with transaction.atomic(using=DEFAULT_DB_ALIAS, savepoint=False):
            _insert([row])
        return
    buffer.append(row)
    if len(buffer) >= FLUSH_EVERY:
        _flush(buffer)


def _insert(rows: list[tuple]) -> None:
    """Write rows (COPY on PostgreSQL); then make sure the relay hears of them on commit."""
    bulk.insert_rows(OutboxEvent, COLUMNS, rows)
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        # PostgreSQL's trigger NOTIFYs the relay on commit; elsewhere the writer rings it.
        transaction.on_commit(partial(wakeup.ring, wakeup.doorbell_address()), using=DEFAULT_DB_ALIAS)


def _flush(buffer: list[tuple]) -> None:
    """Insert the buffered rows and empty the buffer."""
    if buffer:
        _insert(buffer)
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
