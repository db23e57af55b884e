"""A deletion's status, its counts per service, and the event that tells the requester how it ended.

When a deletion becomes `complete` or `failed` (again, after a redrive), the catalog publishes
`catalog.deletion.completed.v1` / `catalog.deletion.failed.v1` through its outbox, in the same
transaction that changed the status; notifications delivers them like any other type.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

from catalog.request_context import current_traceparent
from ledger.models import Deletion, Receipt
from ripple_runtime.outbox import recorder
from shared_contracts.events import DeletionCompletedV1, DeletionFailedV1, ReceiptStatus, build_event
from shared_contracts.events.catalog import SOURCE, Actor, FailedEvent

FAILED_EVENTS_IN_OUTCOME = 20


def tally(deletion: Deletion, service: str, status: str, handled_at: datetime, replaces: str = "") -> None:
    """Count a service's receipt in the deletion's tally (in place of one of status `replaces`)."""
    entry = deletion.tally.setdefault(service, {"statuses": {}, "last_receipt_at": None})
    statuses = entry["statuses"]
    if replaces:
        statuses[replaces] -= 1
        if not statuses[replaces]:
            del statuses[replaces]
    statuses[status] = statuses.get(status, 0) + 1
    stamp = handled_at.astimezone(UTC).isoformat(timespec="microseconds")  # one width: compared as text
    if entry["last_receipt_at"] is None or entry["last_receipt_at"] < stamp:
        entry["last_receipt_at"] = stamp


def receipt_counts(deletion: Deletion) -> dict[str, dict]:
    """Per service: receipts by status, the last receipt's time, and how many are still owed.

    Read from the deletion's tally, not counted: a purge's deletion holds tens of thousands of receipts.
    """
    counts = {}
    for service in sorted({*deletion.expected, *deletion.tally}):  # expected ones before their first receipt
        entry = deletion.tally.get(service) or {"statuses": {}, "last_receipt_at": None}
        received = sum(entry["statuses"].values())
        last = entry["last_receipt_at"]
        counts[service] = {
            "statuses": dict(entry["statuses"]),
            "received": received,
            "last_receipt_at": parse_datetime(last) if last else None,
            "expected": deletion.expected.get(service, received),
        }
    return counts


def failed_receipts(deletion: Deletion, limit: int) -> list[Receipt]:
    """The receipts of the deletion that are failed now, oldest first."""
    return list(Receipt.objects.filter(deletion=deletion, status=ReceiptStatus.FAILED).order_by("id")[:limit])


def settle(deletion: Deletion, now: datetime) -> bool:
    """Set the status its counters give; on a change to complete or failed, publish how it ended."""
    status = deletion.status_from_counts()
    if status == deletion.status:
        return False
    deletion.status = status
    deletion.completed_at = now if status == Deletion.Status.COMPLETE else None
    if status == Deletion.Status.FAILED:
        deletion.failed_at = now
    deletion.save(update_fields=["status", "completed_at", "failed_at"])
    if status != Deletion.Status.PENDING:
        _record_outcome(deletion)
    return True


def _record_outcome(deletion: Deletion) -> None:
    """Write the deletion's completed or failed event into the outbox."""
    common = {
        "deletion_id": deletion.id,
        "kind": deletion.kind,
        "summary": deletion.summary,
        "requested_at": deletion.requested_at,
        "requested_by": Actor(user_id=deletion.requested_by_id, username=deletion.requested_by)
        if deletion.requested_by
        else None,
        "events": deletion.events,
        "receipts": {service: entry["statuses"] for service, entry in receipt_counts(deletion).items()},
    }
    if deletion.status == Deletion.Status.COMPLETE:
        data = DeletionCompletedV1(**common, completed_at=deletion.completed_at)
    else:
        data = DeletionFailedV1(
            **common,
            failed_at=deletion.failed_at,
            failed_events=[
                FailedEvent(
                    event_id=receipt.event_id,
                    event_type=receipt.event_type,
                    service=receipt.service,
                    reason=receipt.reason,
                )
                for receipt in failed_receipts(deletion, FAILED_EVENTS_IN_OUTCOME)
            ],
        )
    event = build_event(
        data,
        source=SOURCE,
        subject=f"deletion/{deletion.id}",
        correlationid=deletion.correlation_id or None,
        traceparent=current_traceparent(),
    )
    recorder.record(event, aggregate_type="deletion", aggregate_id=deletion.id)
