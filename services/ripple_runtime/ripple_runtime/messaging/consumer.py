"""The Celery consumer step that turns the service's event queue into tasks on its task queue.

`step_for(service)` builds the step of one service: the service is handed to the step when it
is built (a class attribute of the step Celery instantiates), never looked up on the app.
It reads plain-JSON CloudEvents, validates them against shared_contracts' models, and hands each small
batch of one type to that type's task. An event message is acked only after the task message
carrying it was confirmed by the broker; an invalid event goes to the dead-letter queue with the
reason; a type the service does not handle is acked and counted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, defaultdict

from celery import bootsteps
from kombu import Consumer, Producer

from ripple_runtime.messaging import deadletter, queues
from ripple_runtime.messaging.service import EventService
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
        self._last_stats = time.monotonic()

    def get_consumers(self, channel):
        """One consumer on the event queue; raw bodies, our own validation."""
        sub = self.service.subscription
        event_queue = queues.event_queue(sub)
        for queue in (event_queue, queues.dead_letter_queue(sub)):
            queue(channel).declare()
        consumer = Consumer(channel, queues=[event_queue], on_message=self.on_message, auto_declare=False)
        consumer.qos(prefetch_count=self.service.prefetch)
        return [consumer]

    def start(self, c):
        """Start consuming and flush partial batches on a short timer."""
        super().start(c)
        self._timer = c.timer.call_repeatedly(self.service.flush_interval, self.flush)

    def stop(self, c):
        """Flush what is buffered, then stop."""
        if self._timer is not None:
            self._timer.cancel()
        self.flush()
        super().stop(c)
        self._close_publisher()

    def on_message(self, message) -> None:
        """Validate one event message and buffer it, dead-letter it, or ack an unhandled type."""
        try:
            raw = decode_body(message.body)
            if raw.get("type") not in self.service.handlers:
                # a type the binding delivers but this service does not handle (maybe one newer
                # than this code): acked and counted, neither retried nor dead-lettered
                message.ack()
                self.counts[f"ignored {raw.get('type')}"] += 1
                return
            event = parse_event(raw)
        except InvalidEvent as exc:
            self._dead_letter_invalid(message, exc.reason)
            return
        with self._lock:
            self.batch.append((message, event))
            if len(self.batch) >= self.service.batch_size:
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
            for message, event in batch:
                message.ack()
                self.counts[f"accepted {event.type}"] += 1
            self._log_stats()

    def _dead_letter_invalid(self, message, reason: str) -> None:
        """Park an event that failed validation in the dead-letter queue, never to be retried."""
        try:
            deadletter.dead_letter(
                self._confirming_producer(),
                self.service.subscription,
                message.body,
                reason=reason,
                attempts=1,
                event_id=message.properties.get("message_id") or "",
            )
        except Exception:
            log.exception("could not dead-letter an invalid event; it will be redelivered")
            self._close_publisher()
            message.reject(requeue=True)
            return
        message.ack()
        self.counts["dead-lettered invalid"] += 1
        log.warning("dead-lettered invalid event %s: %s", message.properties.get("message_id"), reason)

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

    def _log_stats(self) -> None:
        """Say what the consumer did since the last report, once a minute."""
        now = time.monotonic()
        if now - self._last_stats >= STATS_EVERY and self.counts:
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
