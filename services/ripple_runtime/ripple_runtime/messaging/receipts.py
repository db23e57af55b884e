"""Receipts: a consuming service's answer to each event of a deletion, written through its outbox.

`record_handled` runs inside the transaction that applies the handler's effect and writes the
inbox rows, so a receipt exists exactly when the effect does, and a redelivery (filtered by the
inbox) never writes a second one. `record_failed` follows a dead-lettering. Only events that
carry a `deletionid` get receipts; the catalog's ledger folds them into the deletion's status.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from shared_contracts.events import CloudEvent, ReceiptStatus, ReceiptV1, build_event
from shared_contracts.events.receipts import receipt_source

log = logging.getLogger(__name__)


def receipt_event(
    service: str,
    *,
    deletion_id: uuid.UUID,
    event_id: uuid.UUID,
    event_type: str,
    status: ReceiptStatus,
    reason: str = "",
    attempts: int = 1,
    item: str = "",
    correlation_id: str | None = None,
    traceparent: str | None = None,
) -> CloudEvent:
    """The CloudEvent of one receipt."""
    data = ReceiptV1(
        deletion_id=deletion_id,
        event_id=event_id,
        event_type=event_type,
        service=service,
        status=status,
        reason=reason[:1000],
        item=item[:300],
        handled_at=datetime.now(UTC),
        attempts=attempts,
    )
    # No `deletionid` extension: that marks an event a receipt is owed for, and nobody answers
    # a receipt with a receipt (the deletion is in the data).
    return build_event(
        data,
        source=receipt_source(service),
        subject=f"event/{event_id}",
        correlationid=correlation_id,
        traceparent=traceparent,
    )


def _record(receipts: Iterable[CloudEvent]) -> int:
    """Write receipts into this service's outbox, in the caller's transaction when there is one."""
    from ripple_runtime.outbox import recorder  # needs Django's apps ready

    count = 0
    with recorder.batch():
        for receipt in receipts:
            recorder.record(receipt, aggregate_type="receipt", aggregate_id=receipt.data.event_id)
            count += 1
    return count


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
    return _record(
        receipt_event(
            service,
            deletion_id=event.deletionid,
            event_id=event.id,
            event_type=event.type,
            status=status,
            attempts=attempts,
            correlation_id=event.correlationid,
            traceparent=event.traceparent,
        )
        for event in events
        if event.deletionid is not None and (status := outcomes.get(event.id, ReceiptStatus.DONE)) is not None
    )


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
        str(event.get("type", ""))[:100],
        correlation if isinstance(correlation, str) else None,
    )


def record_failed(service: str, failed: Iterable[tuple[CloudEvent | Mapping[str, Any], str, int]]) -> int:
    """`failed` receipts for dead-lettered events (event or raw body, reason, attempts) of a deletion.

    Written after the dead-letter queue confirmed them: a crash in between redelivers the event,
    which fails again and is reported then. Raw bodies that name no deletion get no receipt.
    """
    receipts = []
    for event, reason, attempts in failed:
        identity = _identity(event)
        if identity is None:
            continue
        deletion_id, event_id, event_type, correlation_id = identity
        receipts.append(
            receipt_event(
                service,
                deletion_id=deletion_id,
                event_id=event_id,
                event_type=event_type or "unknown",
                status=ReceiptStatus.FAILED,
                reason=reason,
                attempts=max(attempts, 1),
                correlation_id=correlation_id if correlation_id and len(correlation_id) <= 200 else None,
            )
        )
    return _record(receipts) if receipts else 0
