"""The Celery consumer step that turns the service's event queue into tasks on its task queue.

`step_for(service)` builds the step of one service: the service is handed to the step when it
is built (a class attribute of the step Celery instantiates), never looked up on the app.
It reads CloudEvents in structured or binary content mode (`binding`), validates them against
shared_contracts' models, and hands each small batch of one type to that type's task. An event
message is acked only after the task message carrying it was confirmed by the broker. Nothing
is acked and dropped that could be ours: an unreadable or invalid event goes to the dead-letter
queue with the reason, and so does another version of a handled type (`unhandled version`,
to redrive after an upgrade); a dead-lettered event of a deletion gets a `failed` receipt.
Only a type of a family the service does not handle at all is acked and counted as ignored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, defaultdict

from celery import bootsteps
from django.db import close_old_connections
from kombu import Consumer, Producer

from ripple_runtime import metrics
from ripple_runtime.messaging import binding, deadletter, queues, receipts
from ripple_runtime.messaging.service import EventService
from ripple_runtime.tracing import hooks
from shared_contracts.events import InvalidEvent, decode_body, parse_event

log = logging.getLogger(__name__)
STATS_EVERY = 60.0


class EventConsumerStep(bootsteps.ConsumerStep):
    """Consume `<service>.catalog-events` in the worker's main process (built by `step_for`)."""

    # After the connection and the task consumer, as Celery's own consumer steps declare it.
    requires = ("celery.worker.consumer:Connection", "celery.worker.consumer:Tasks")
    service: EventService  # set by step_for

    def __init__(self, c, **kwargs):
        """Prepare the batch buffer and counters; connections open in `start`."""
        super().__init__(c, **kwargs)
        self.app = c.app
        self.batch: list = []
        self.counts: Counter = Counter()
        self._lock = threading.RLock()
        self._publisher = None
        self._producer: Producer | None = None
        self._timer = None
        self._hub = None
        self._last_flush = 0.0  # when a flush last handed events on (the timer's empty ones don't count)
        self._last_stats = time.monotonic()

    def get_consumers(self, channel):
        """One consumer on the event queue; raw bodies, our own validation."""
        sub = self.service.subscription
        event_queue = queues.event_queue(sub)
        event_queue(channel).declare()
        queues.declare_if_reachable(channel, queues.dead_letter_queue(sub))  # classic: its node may be down
        consumer = Consumer(channel, queues=[event_queue], on_message=self.on_message, auto_declare=False)
        consumer.qos(prefetch_count=self.service.prefetch)
        return [consumer]

    def start(self, c):
        """Start consuming and flush partial batches on a short timer."""
        super().start(c)
        self._hub = getattr(c, "hub", None)
        self._timer = c.timer.call_repeatedly(self.service.flush_interval, self.flush)

    def stop(self, c):
        """Flush what is buffered, say what was done since the last report, then stop."""
        if self._timer is not None:
            self._timer.cancel()
        self.flush()
        self._log_stats(final=True)
        super().stop(c)
        self._close_publisher()

    def on_message(self, message) -> None:
        """Read one event message, then handle it under its ids and trace (ripple_runtime.tracing)."""
        try:
            raw = binding.read_event(message.body, message.content_type, message.headers)
        except InvalidEvent as exc:
            self._dead_letter(message, None, exc.reason, "invalid")
            return
        with hooks.receiving(self.service.name, raw):
            self._on_event(message, raw)

    def _on_event(self, message, raw: dict) -> None:
        """Validate one event and buffer it, dead-letter it, or ack a foreign type."""
        event_type = raw.get("type")
        if not isinstance(event_type, str) or not event_type:
            self._dead_letter(message, raw, "invalid event: no type", "invalid")
            return
        if event_type not in self.service.handlers:
            if self.service.is_other_version(event_type):
                handled = ", ".join(self.service.handled_versions(event_type))
                reason = f"unhandled version: {event_type} (this service handles {handled})"
                self._dead_letter(message, raw, reason, "unhandled version")
                return
            # a type of a family this service does not handle, which its bindings deliver (a
            # wildcard): acked and counted, neither retried nor dead-lettered
            message.ack()
            self.counts[f"ignored {event_type}"] += 1
            metrics.consumer_event(self.service.name, event_type, "ignored")
            return
        try:
            event = parse_event(raw)
        except InvalidEvent as exc:
            self._dead_letter(message, raw, exc.reason, "invalid")
            return
        with self._lock:
            self.batch.append((message, event))
            if len(self.batch) >= self.service.batch_size:
                self.flush()
            elif len(self.batch) == 1 and time.monotonic() - self._last_flush >= self.service.flush_interval:
                self._flush_soon()

    def _flush_soon(self) -> None:
        """An event after a quiet spell goes on at once, not at the timer's next tick.

        On the worker's event loop the flush runs once the messages already read are buffered,
        so a burst's first events still travel together; a busy stream keeps batching on the timer.
        """
        if self._hub is not None:
            self._hub.call_soon(self.flush)
        else:
            self.flush()

    def flush(self) -> None:
        """Send the buffered events as one task per type, wait for the confirms, then ack them."""
        with self._lock:
            batch, self.batch = self.batch, []
            if not batch:
                self._log_stats()
                return
            by_type = defaultdict(list)
            for message, event in batch:
                by_type[event.type].append((message, event))
            try:
                producer = self._confirming_producer()
                for event_type, items in by_type.items():
                    task = self.app.tasks[self.service.task_name(event_type)]
                    task.apply_async(args=[[event.to_dict() for _, event in items]], producer=producer)
            except Exception:
                log.exception("could not hand %d events to tasks; they will be redelivered", len(batch))
                self._close_publisher()
                for message, _ in batch:
                    message.reject(requeue=True)
                return
            self._last_flush = time.monotonic()
            for message, event in batch:
                message.ack()
                self.counts[f"accepted {event.type}"] += 1
            metrics.consumer_accepted(self.service.name, (event.type for _, event in batch))
            self._log_stats()

    def _dead_letter(self, message, raw: dict | None, reason: str, kind: str) -> None:
        """Park an event in the dead-letter queue with its reason, report it failed, then ack it.

        The dead letter keeps the event in structured form. The `failed` receipt of an event of a
        deletion is written once the broker confirmed the dead letter and before the ack (a crash
        in between only repeats both); a database error there is logged, never fatal: the dead
        letter is what matters, and its redrive sends the receipt that settles it.
        """
        body = binding.structured_body(message.body, message.content_type, message.headers)
        if raw is None:  # unreadable, but a binary event's attributes still say which event it was
            try:
                raw = decode_body(body)
            except InvalidEvent:
                raw = None
        event_id = message.properties.get("message_id") or str((raw or {}).get("id") or "")
        try:
            deadletter.dead_letter(
                self._confirming_producer(),
                self.service.subscription,
                body,
                reason=reason,
                attempts=1,
                event_id=event_id,
            )
        except Exception:
            log.exception("could not dead-letter an event (%s); it will be redelivered", kind)
            self._close_publisher()
            message.reject(requeue=True)
            return
        if raw is not None:
            self._report_failed(raw, reason)
        message.ack()
        self.counts[f"dead-lettered {kind}"] += 1
        metrics.consumer_event(self.service.name, (raw or {}).get("type"), kind)
        log.warning("dead-lettered %s event %s: %s", kind, event_id, reason)

    def _report_failed(self, raw: dict, reason: str) -> None:
        """Write the `failed` receipt of a dead-lettered event of a deletion; log a database error."""
        try:
            close_old_connections()  # this long-lived thread's connection may have gone stale
            receipts.record_failed(self.service.name, [(raw, reason, 1)])
        except Exception:
            log.exception("could not record the failed receipt of dead-lettered event %s", raw.get("id"))

    def _confirming_producer(self) -> Producer:
        """A producer on a separate connection in confirm mode (publishes block until confirmed)."""
        if self._producer is None:
            self._publisher = deadletter.confirming_connection(self.app.conf.broker_url)
            self._producer = Producer(self._publisher.channel())
        return self._producer

    def _close_publisher(self) -> None:
        """Drop the publishing connection (it is reopened on next use)."""
        if self._publisher is not None:
            try:
                self._publisher.release()
            except Exception:  # closing a dead connection may fail in many ways
                log.debug("error closing the publisher connection", exc_info=True)
        self._publisher = self._producer = None

    def _log_stats(self, final: bool = False) -> None:
        """Say what the consumer did since the last report, once a minute and when it stops."""
        now = time.monotonic()
        if (final or now - self._last_stats >= STATS_EVERY) and self.counts:
            log.info("events: %s", ", ".join(f"{k}={v}" for k, v in sorted(self.counts.items())))
            self.counts.clear()
            self._last_stats = now


def step_for(service: EventService) -> type[EventConsumerStep]:
    """The consumer step of one service, to add to `app.steps["consumer"]`."""
    return type(
        f"{service.name.title()}EventConsumerStep",
        (EventConsumerStep,),
        {"service": service, "name": f"ripple.{service.name}.EventConsumer", "__module__": __name__},
    )
