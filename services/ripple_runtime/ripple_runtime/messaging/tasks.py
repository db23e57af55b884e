"""The task behind every handler: inbox filtering, one transaction, retry with backoff, dead-lettering.

The inbox is keyed by service, so services sharing one database never skip each other's events.
The handler's effect, the inbox rows and the receipts of events that belong to a deletion
commit together; a dead-lettered event of a deletion gets a `failed` receipt.

A task message whose workers kept dying on it (SIGKILL, out of memory, a crash in C) is taken
back by RabbitMQ each time, which counts it (`x-delivery-count`, quorum queues). Its last
delivery before the queue's `x-delivery-limit` is not handled again: its events are
dead-lettered here, with the reason and a `failed` receipt each, so the deletion says what
happened instead of waiting forever for a message RabbitMQ would dead-letter by itself. A retry
the broker did not take (refused, or the link broke) sends the message back to its queue too:
Celery would reject it without requeueing, which after one failed publish parks the raw task
message in the dead-letter queue, not its events with their reason.
"""

from __future__ import annotations

import json
import logging

from celery import Celery, Task
from celery.exceptions import Reject, Retry
from django.db import DatabaseError

from ripple_runtime import bulk, metrics
from ripple_runtime.messaging import deadletter, receipts
from ripple_runtime.messaging.service import EventService, PermanentFailure
from ripple_runtime.tracing import hooks
from shared_contracts import topology
from shared_contracts.events import CloudEvent, InvalidEvent, parse_event

log = logging.getLogger(__name__)


class EventsDeadLettered(Exception):
    """Some events of the task went to the dead-letter queue; the task ends FAILED in Flower."""


class WorkerLost(PermanentFailure):
    """Workers died on this task message as often as its queue allows: handling it again is not tried."""


def deliveries_lost(task: Task) -> int:
    """How many times RabbitMQ took this task message back unacknowledged (its `x-delivery-count`)."""
    count = (task.request.headers or {}).get("x-delivery-count", 0)
    return count if type(count) is int else 0


def process(service: EventService, event_type: str, events: list[CloudEvent], attempt: int = 1) -> int:
    """Run the handler on the events not yet processed, record them and their receipts, in one transaction."""
    from ripple_runtime.inbox.models import ProcessedEvent  # needs Django's apps ready
    from ripple_runtime.outbox import recorder

    with metrics.handling(service.name, event_type), recorder.batch():  # one transaction, receipts included
        ids = {event.id for event in events}
        inbox = ProcessedEvent.objects.filter(bulk.uuid_in("event_id", ids), service=service.name)
        seen = set(inbox.values_list("event_id", flat=True))
        fresh = list({event.id: event for event in events if event.id not in seen}.values())
        if fresh:
            outcomes = service.handler(event_type)(fresh)
            ProcessedEvent.objects.bulk_create(
                ProcessedEvent(service=service.name, event_id=event.id, event_type=event_type)
                for event in fresh
            )
            receipts.record_handled(service.name, fresh, outcomes, attempt)
    metrics.inbox_skipped(service.name, event_type, len(events) - len(fresh))
    return len(fresh)


def run(task: Task, service: EventService, event_type: str, raw_events: list) -> dict:
    """Process a batch; on failure isolate the failing events, retry them, or dead-letter them."""
    attempt = task.request.retries + 1
    lost = deliveries_lost(task)
    if lost >= topology.DELIVERY_LIMIT:
        reason = WorkerLost(
            f"taken back from a worker {lost} times, the task queue's delivery limit "
            "(workers died or lost the broker while holding these events)"
        )
        given_up = {
            str(raw.get("id", "")) if isinstance(raw, dict) else "": (raw, reason) for raw in raw_events
        }
        _dead_letter(task, service, given_up, max(attempt, lost))
        raise EventsDeadLettered(f"{len(raw_events)} events dead-lettered: {reason}")
    events, failed = [], {}
    for raw in raw_events:
        try:
            events.append(parse_event(raw))
        except InvalidEvent as exc:
            failed[str(raw.get("id", "")) if isinstance(raw, dict) else ""] = (
                raw,
                PermanentFailure(exc.reason),
            )
    try:
        processed = process(service, event_type, events, attempt)
    except Exception:
        processed = 0
        for event in events:  # one bad event must not hold back the others
            try:
                processed += process(service, event_type, [event], attempt)
            except Exception as exc:
                failed[str(event.id)] = (event, exc)
    permanent = {k: v for k, v in failed.items() if isinstance(v[1], PermanentFailure)}
    transient = {k: v for k, v in failed.items() if k not in permanent}
    if transient and task.request.retries < service.retry.max_retries:
        _dead_letter(task, service, permanent, attempt)
        first = next(iter(transient.values()))[1]
        log.warning("%d %s events failed (attempt %d): %s", len(transient), event_type, attempt, first)
        metrics.events_retried(service.name, event_type, len(transient))
        try:
            task.retry(
                args=[[event.to_dict() for event, _ in transient.values()]],
                countdown=service.retry.countdown(attempt),
                exc=first,
            )
        except Retry:
            raise
        except Exception as exc:  # the retry was not sent (Celery's Reject without requeue, or an error)
            log.warning(
                "could not send the retry of %d %s events (%s): requeued", len(transient), event_type, exc
            )
            raise Reject(exc, requeue=True) from exc
    _dead_letter(task, service, failed, attempt)
    if failed:
        raise EventsDeadLettered(f"{len(failed)} of {len(raw_events)} events dead-lettered")
    return {"processed": processed, "duplicates": len(events) - processed}


def _dead_letter(task: Task, service: EventService, failed: dict, attempt: int) -> None:
    """Publish failed events to the service's dead-letter queue with the reason and attempt count."""
    if not failed:
        return
    reported = []
    with deadletter.confirming_connection(task.app.conf.broker_url) as conn:
        producer = conn.Producer()
        for event_id, (event, exc) in failed.items():
            body = event.to_json() if isinstance(event, CloudEvent) else json.dumps(event)
            reason = f"{type(exc).__name__}: {exc}"
            reason_kind = dead_letter_kind(exc)
            if not isinstance(exc, PermanentFailure):
                reason = f"gave up after {attempt} attempts: {reason}"
            deadletter.dead_letter(
                producer, service.subscription, body, reason=reason, attempts=attempt, event_id=event_id
            )
            log.error("dead-lettered event %s: %s", event_id, reason)
            metrics.dead_lettered(service.name, getattr(event, "type", None), reason_kind)
            reported.append((event, reason, attempt))
    try:
        receipts.record_failed(service.name, reported)
    except DatabaseError:  # the dead letters are what matters; the deletion stays pending (overdue)
        log.exception("could not record the failed receipts of %d dead-lettered events", len(reported))


def dead_letter_kind(exc: Exception) -> str:
    """The `reason` label of a dead-lettered event: `worker_lost`, `permanent` or `gave_up`."""
    if isinstance(exc, WorkerLost):
        return "worker_lost"
    return "permanent" if isinstance(exc, PermanentFailure) else "gave_up"


def register(app: Celery, service: EventService, event_type: str) -> Task:
    """Register the Celery task of one event type; its name says the service and the type."""

    def handle(self: Task, events: list) -> dict:
        with hooks.handling(service.name, event_type, events, self.request.retries + 1):
            return run(self, service, event_type, events)

    handle.__doc__ = f"{service.name}: handle {event_type} events."
    return app.task(
        handle,
        name=service.task_name(event_type),
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        max_retries=service.retry.max_retries,
        shared=False,  # the service's app alone: another app of the process must not pick it up
    )
