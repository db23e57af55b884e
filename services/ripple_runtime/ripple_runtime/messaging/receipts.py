"""Receipts: a consuming service's answer to each event of a deletion, written through its outbox.

`record_handled` runs inside the transaction that applies the handler's effect and writes the
inbox rows, so a receipt exists exactly when the effect does, and a redelivery (filtered by the
inbox) never writes a second one. `record_failed` follows a dead-lettering. Only events that
carry a `deletionid` get receipts; the receipts of one batch go out as one message per deletion
(`ripple.receipt.v1` carries up to 1,000), and the catalog's ledger folds them into the
deletion's status.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from shared_contracts.events import CloudEvent, Receipt, ReceiptStatus, ReceiptV1, build_event
from shared_contracts.events.receipts import MAX_RECEIPTS_PER_EVENT, receipt_source

log = logging.getLogger(__name__)


def answer(
    event_id: uuid.UUID,
    event_type: str,
    status: ReceiptStatus,
    *,
    reason: str = "",
    attempts: int = 1,
    item: str = "",
) -> Receipt:
    """One service's word on one event, stamped now."""
    return Receipt(
        event_id=event_id,
        event_type=event_type[:100] or "unknown",
        status=status,
        reason=reason[:1000],
        item=item[:300],
        handled_at=datetime.now(UTC),
        attempts=max(attempts, 1),
    )


def receipt_events(
    service: str,
    deletion_id: uuid.UUID,
    receipts: list[Receipt],
    *,
    correlation_id: str | None = None,
    traceparent: str | None = None,
) -> list[CloudEvent]:
    """The messages carrying a service's receipts for one deletion, up to 1,000 receipts each.

    No `deletionid` extension: that marks an event a receipt is owed for, and nobody answers a
    receipt with a receipt (the deletion is in the data).
    """
    return [
        build_event(
            ReceiptV1(
                deletion_id=deletion_id,
                service=service,
                receipts=receipts[start : start + MAX_RECEIPTS_PER_EVENT],
            ),
            source=receipt_source(service),
            subject=f"deletion/{deletion_id}",
            correlationid=correlation_id if correlation_id and len(correlation_id) <= 200 else None,
            traceparent=traceparent,
        )
        for start in range(0, len(receipts), MAX_RECEIPTS_PER_EVENT)
    ]


def record(
    service: str,
    deletion_id: uuid.UUID,
    receipts: list[Receipt],
    *,
    correlation_id: str | None = None,
    traceparent: str | None = None,
) -> int:
    """Write a service's receipts for one deletion into its outbox (in the caller's transaction, if any)."""
    from ripple_runtime.outbox import recorder  # needs Django's apps ready

    with recorder.batch():
        for event in receipt_events(
            service, deletion_id, receipts, correlation_id=correlation_id, traceparent=traceparent
        ):
            recorder.record(event, aggregate_type="receipt", aggregate_id=deletion_id)
    return len(receipts)


class _ByDeletion:
    """Receipts gathered per deletion, with the correlation and trace ids of the first event of each."""

    def __init__(self):
        """Nothing gathered yet."""
        self.receipts: dict[uuid.UUID, list[Receipt]] = {}
        self.context: dict[uuid.UUID, tuple[str | None, str | None]] = {}

    def add(self, deletion_id: uuid.UUID, receipt: Receipt, correlation_id=None, traceparent=None) -> None:
        """Gather one receipt."""
        self.receipts.setdefault(deletion_id, []).append(receipt)
        self.context.setdefault(deletion_id, (correlation_id, traceparent))

    def record(self, service: str) -> int:
        """Write every deletion's receipts; how many receipts were written."""
        return sum(
            record(
                service,
                deletion_id,
                receipts,
                correlation_id=self.context[deletion_id][0],
                traceparent=self.context[deletion_id][1],
            )
            for deletion_id, receipts in self.receipts.items()
        )


def record_handled(
    service: str,
    events: Iterable[CloudEvent],
    outcomes: Mapping[uuid.UUID, ReceiptStatus | None] | None,
    attempts: int,
) -> int:
    """Receipts for handled events of a deletion: the handler's outcome per event, `done` by default.

    An outcome of None means the handler answers that event later itself (notifications does,
    once the subscribers were told).
    """
    outcomes = outcomes or {}
    gathered = _ByDeletion()
    for event in events:
        status = outcomes.get(event.id, ReceiptStatus.DONE)
        if event.deletionid is None or status is None:
            continue
        gathered.add(
            event.deletionid,
            answer(event.id, event.type, status, attempts=attempts),
            event.correlationid,
            event.traceparent,
        )
    return gathered.record(service)


def _identity(event: CloudEvent | Mapping[str, Any]) -> tuple[uuid.UUID, uuid.UUID, str, str | None] | None:
    """(deletion id, event id, type, correlation id) of an event or raw event body, if it has them."""
    if isinstance(event, CloudEvent):
        if event.deletionid is None:
            return None
        return event.deletionid, event.id, event.type, event.correlationid
    try:
        deletion_id, event_id = uuid.UUID(str(event["deletionid"])), uuid.UUID(str(event["id"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    correlation = event.get("correlationid")
    return (
        deletion_id,
        event_id,
        str(event.get("type", "")),
        correlation if isinstance(correlation, str) else None,
    )


def record_failed(service: str, failed: Iterable[tuple[CloudEvent | Mapping[str, Any], str, int]]) -> int:
    """`failed` receipts for dead-lettered events (event or raw body, reason, attempts) of a deletion.

    Written after the dead-letter queue confirmed them: a crash in between redelivers the event,
    which fails again and is reported then. Raw bodies that name no deletion get no receipt.
    """
    gathered = _ByDeletion()
    for event, reason, attempts in failed:
        identity = _identity(event)
        if identity is None:
            continue
        deletion_id, event_id, event_type, correlation_id = identity
        gathered.add(
            deletion_id,
            answer(event_id, event_type, ReceiptStatus.FAILED, reason=reason, attempts=attempts),
            correlation_id,
        )
    return gathered.record(service)
