"""Fold receipts into the ledger: the catalog worker's handler of `ripple.receipt.v1`.

A receipt message carries one service's receipts for events of one deletion. Each batch locks
the deletions it touches (in id order, so two batches never deadlock), reads
the receipts already held for its (event, service) pairs, and applies the rules:

- the first receipt of a pair is stored and counted (`settled` or `failed`);
- a success after a failure (a redrive worked) replaces it; a success is final, so a late or
  repeated failure never undoes it; a repeated receipt changes nothing;
- a receipt for an event the deletion did not emit, or from a service not bound to its type,
  is ignored and logged;
- `repaired` receipts (an audit removed what no event announced) open an `audit` deletion
  under their deletion id the first time one arrives, and count as settled.

Then each touched deletion's status follows from its counters (ledger.outcomes.settle).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from ledger import outcomes
from ledger.models import Deletion, DeletionEvent, Receipt
from ripple_runtime import bulk
from shared_contracts import topology
from shared_contracts.events import CloudEvent, ReceiptStatus, ReceiptV1

log = logging.getLogger(__name__)
# The columns of a new receipt row; under the deletions' locks no other batch can write the same
# (event, service) pair, so new rows are copied in (COPY on PostgreSQL) without a conflict check.
NEW_RECEIPT_COLUMNS = (
    "deletion_id",
    "event_id",
    "event_type",
    "service",
    "status",
    "reason",
    "item",
    "attempts",
    "handled_at",
    "received_at",
)


@dataclass(frozen=True)
class Answer:
    """One receipt, with the deletion and the service of the message that carried it."""

    deletion_id: uuid.UUID
    service: str
    event_id: uuid.UUID
    event_type: str
    status: ReceiptStatus
    reason: str
    item: str
    attempts: int
    handled_at: datetime


def answers(events: list[CloudEvent[ReceiptV1]]) -> list[Answer]:
    """Every receipt of a batch of receipt messages, oldest first."""
    flat = [
        Answer(
            event.data.deletion_id,
            event.data.service,
            receipt.event_id,
            receipt.event_type,
            receipt.status,
            receipt.reason,
            receipt.item,
            receipt.attempts,
            receipt.handled_at,
        )
        for event in events
        for receipt in event.data.receipts
    ]
    return sorted(flat, key=lambda answer: answer.handled_at)


@dataclass(slots=True)
class NewReceipt:
    """A receipt row to insert: the columns of `NEW_RECEIPT_COLUMNS`, changed in place like a stored one.

    Cheaper than a model instance, of which a purge's batches would build tens of thousands.
    """

    deletion_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    service: str
    status: str
    reason: str
    item: str
    attempts: int
    handled_at: datetime
    received_at: datetime
    pk: None = None  # not stored yet: nothing to update


def _open_audits(repaired: list[Answer]) -> None:
    """Create the audit deletions that repaired receipts name, if they are new."""
    first = {}
    for data in repaired:
        first.setdefault(data.deletion_id, data)
    Deletion.objects.bulk_create(
        [
            Deletion(
                id=deletion_id,
                kind=Deletion.Kind.AUDIT,
                summary=f"audit by {data.service}",
                requested_at=data.handled_at,
                requested_by=data.service,
                status=Deletion.Status.COMPLETE,
                completed_at=data.handled_at,
            )
            for deletion_id, data in first.items()
        ],
        ignore_conflicts=True,
    )


def _held(receipts: list[Answer]) -> dict[tuple[uuid.UUID, str], Receipt | NewReceipt]:
    """The receipts already stored for the batch's (event, service) pairs, read per service.

    Reading by event alone would also load every other service's receipts of those events.
    """
    by_service = defaultdict(set)
    for data in receipts:
        by_service[data.service].add(data.event_id)
    return {
        (receipt.event_id, receipt.service): receipt
        for service, event_ids in by_service.items()
        for receipt in Receipt.objects.filter(bulk.uuid_in("event_id", event_ids), service=service)
    }


def apply_receipts(events: list[CloudEvent[ReceiptV1]]) -> None:
    """Store a batch of receipts and update the status of every deletion they touch."""
    receipts = answers(events)
    repaired = [data for data in receipts if data.status == ReceiptStatus.REPAIRED]
    if repaired:
        _open_audits(repaired)
    # Read before the locks: an event's row was committed with its delete, before any receipt of it.
    event_ids = {data.event_id for data in receipts}
    of_events = DeletionEvent.objects.filter(bulk.uuid_in("event_id", event_ids))
    emitted = dict(of_events.values_list("event_id", "deletion_id"))
    deletion_ids = sorted({data.deletion_id for data in receipts})
    deletions = {
        deletion.id: deletion
        for deletion in Deletion.objects.select_for_update().filter(id__in=deletion_ids).order_by("id")
    }
    held = _held(receipts)
    bound: dict[str, tuple[str, ...]] = {}  # event type → the services expected to answer it
    now = timezone.now()
    new: dict[tuple[uuid.UUID, str], NewReceipt] = {}
    changed: dict[int, Receipt] = {}
    touched: dict[uuid.UUID, Deletion] = {}
    ignored = defaultdict(int)
    for data in receipts:
        deletion = deletions.get(data.deletion_id)
        if deletion is None:
            ignored["unknown deletion"] += 1
            continue
        if data.status != ReceiptStatus.REPAIRED:
            if emitted.get(data.event_id) != deletion.id:
                ignored["event not of this deletion"] += 1
                continue
            if data.event_type not in bound:
                bound[data.event_type] = topology.expected_services(data.event_type)
            if data.service not in bound[data.event_type]:
                ignored[f"{data.service} is not bound to {data.event_type}"] += 1
                continue
        key = (data.event_id, data.service)
        current = held.get(key)
        if current is None:
            held[key] = new[key] = NewReceipt(
                deletion_id=deletion.id,
                event_id=data.event_id,
                event_type=data.event_type,
                service=data.service,
                status=data.status.value,
                reason=data.reason,
                item=data.item,
                attempts=data.attempts,
                handled_at=data.handled_at,
                received_at=now,
            )
            if data.status.settled:
                deletion.settled += 1
            else:
                deletion.failed += 1
            outcomes.tally(deletion, data.service, data.status.value, data.handled_at)
            if data.status == ReceiptStatus.REPAIRED:
                deletion.events += 1
                deletion.expected_total += 1
                deletion.expected[data.service] = deletion.expected.get(data.service, 0) + 1
        elif current.status == ReceiptStatus.FAILED:
            if data.status.settled:
                deletion.failed -= 1
                deletion.settled += 1
            outcomes.tally(
                deletion, data.service, data.status.value, data.handled_at, replaces=current.status
            )
            current.status, current.reason, current.attempts = data.status.value, data.reason, data.attempts
            current.handled_at, current.received_at = data.handled_at, now
            if current.pk is not None:
                changed[current.pk] = current
        else:
            continue  # a success is final; a repeat changes nothing
        deletion.last_receipt_at = max(filter(None, (deletion.last_receipt_at, data.handled_at)))
        touched[deletion.id] = deletion
    bulk.insert_rows(
        Receipt,
        NEW_RECEIPT_COLUMNS,
        (tuple(getattr(receipt, column) for column in NEW_RECEIPT_COLUMNS) for receipt in new.values()),
    )
    if changed:
        Receipt.objects.bulk_update(
            changed.values(), ["status", "reason", "attempts", "handled_at", "received_at"], batch_size=500
        )
    for deletion in touched.values():
        deletion.save(
            update_fields=[
                "settled",
                "failed",
                "events",
                "expected",
                "expected_total",
                "last_receipt_at",
                "tally",
            ]
        )
        outcomes.settle(deletion, now)
    for why, count in ignored.items():
        log.warning("ignored %d receipts: %s", count, why)
