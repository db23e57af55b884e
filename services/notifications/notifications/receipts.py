"""The notifications service's receipts: an event of a deletion is answered once its subscribers were told.

The runtime writes receipts when a handler returns; here the handler only plans deliveries, so
an event with subscribers is answered later, by the transaction that closes its last open
delivery: `done` when every delivery succeeded (or its subscriber was switched off or gone),
`failed` with the first error when one failed for good. An event nobody subscribed to is
`not_applicable` at once (see handlers.fan_out).

Two deliveries of one event may close at the same moment in two workers, so `lock_events`
locks every delivery of the events a transaction is about to close, in primary-key order,
before it writes: one of them then sees the other's commit, and exactly one writes the receipt.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable

from notifications.models import Delivery
from ripple_runtime import bulk
from ripple_runtime.messaging import receipts
from shared_contracts.events import ReceiptStatus, parse_event

OPEN = (Delivery.Status.PENDING, Delivery.Status.RETRYING)


def lock_events(delivery_ids: Iterable) -> set:
    """Lock every delivery of the events of these deliveries; return the events they still left open."""
    ids = list(delivery_ids)
    if not ids:
        return set()
    events = Delivery.objects.filter(pk__in=ids, status__in=OPEN).values_list("event_id", flat=True)
    open_events = set(events)
    if open_events:
        list(
            Delivery.objects.select_for_update()
            .filter(bulk.uuid_in("event_id", open_events))
            .order_by("pk")
            .values_list("pk")
        )
    return open_events


def report_settled(event_ids: set) -> int:
    """Write the receipt of every one of these events whose deliveries are all closed now."""
    if not event_ids:
        return 0
    by_event: dict = defaultdict(list)
    for row in Delivery.objects.filter(bulk.uuid_in("event_id", event_ids)).values_list(
        "event_id", "status", "last_error", "payload", "attempt_count"
    ):
        by_event[row[0]].append(row)
    settled, failed = [], []
    for rows in by_event.values():
        if any(status in OPEN for _, status, *_ in rows):
            continue
        errors = [error for _, status, error, *_ in rows if status == Delivery.Status.FAILED]
        payload = json.loads(rows[0][3])
        attempts = max(count for *_, count in rows) or 1
        if errors:
            failed.append((payload, errors[0] or "delivery failed", attempts))
        else:
            settled.append((payload, attempts))
    return _record_settled(settled) + receipts.record_failed("notifications", failed)


def _record_settled(settled: list[tuple[dict, int]]) -> int:
    """`done` receipts for events whose every subscriber was told.

    Recorded together, one receipt message per deletion (and attempt count), as the runtime
    does for a batch: a batch of first attempts closes up to a hundred events of one purge.
    """
    by_attempts: dict[int, list] = defaultdict(list)
    for payload, attempts in settled:
        by_attempts[attempts].append(parse_event(payload))
    return sum(
        receipts.record_handled(
            "notifications", events, {event.id: ReceiptStatus.DONE for event in events}, attempts
        )
        for attempts, events in by_attempts.items()
    )
