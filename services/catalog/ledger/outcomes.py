"""A deletion's status, its counts per service, and the event that tells the requester how it ended.

When a deletion becomes `complete` or `failed` (again, after a redrive), the catalog publishes
`catalog.deletion.completed.v1` / `catalog.deletion.failed.v1` through its outbox, in the same
transaction that changed the status; notifications delivers them like any other type.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db.models import Count, Max

from catalog.request_context import current_traceparent
from ledger.models import Deletion, Receipt
from ripple_runtime.outbox import recorder
from shared_contracts.events import DeletionCompletedV1, DeletionFailedV1, ReceiptStatus, build_event
from shared_contracts.events.catalog import SOURCE, Actor, FailedEvent

FAILED_EVENTS_IN_OUTCOME = 20


def receipt_counts(deletion: Deletion) -> dict[str, dict]:
    """Per service: receipts by status, the last receipt's time, and how many are still owed."""
    services: dict[str, dict] = defaultdict(lambda: {"statuses": {}, "last_receipt_at": None, "received": 0})
    for service in deletion.expected:  # every expected service is listed, even before its first receipt
        services[service].update()
    rows = (
        Receipt.objects.filter(deletion=deletion)
        .values("service", "status")
        .annotate(count=Count("id"), last=Max("handled_at"))
        .order_by()
    )
    for row in rows:
        entry = services[row["service"]]
        entry["statuses"][row["status"]] = row["count"]
        entry["received"] += row["count"]
        if entry["last_receipt_at"] is None or row["last"] > entry["last_receipt_at"]:
            entry["last_receipt_at"] = row["last"]
    return {
        service: {**entry, "expected": deletion.expected.get(service, entry["received"])}
        for service, entry in sorted(services.items())
    }


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
