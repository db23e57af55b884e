"""The service's dead-letter queue: put an event there with its reason, list it, show it, redrive it.

Everything in a dead-letter queue is a plain CloudEvent with headers saying why it is there.
Celery task messages that RabbitMQ itself dead-letters (a worker died on them too often: the
task queue's x-delivery-limit) are unpacked into their events when listed or redriven.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from kombu import Connection, Producer

from ripple_runtime.messaging.queues import dead_letter_exchange, dead_letter_queue
from shared_contracts.events import CONTENT_TYPE
from shared_contracts.topology import Subscription

REASON = "x-ripple-reason"
ATTEMPTS = "x-ripple-attempts"
SERVICE = "x-ripple-service"
DEAD_LETTERED_AT = "x-ripple-dead-lettered-at"


def confirming_connection(broker_url: str) -> Connection:
    """A connection whose publishes wait for the broker's confirm."""
    return Connection(broker_url, transport_options={"confirm_publish": True}, heartbeat=0)


def dead_letter(
    producer: Producer,
    sub: Subscription,
    body: bytes | str,
    *,
    reason: str,
    attempts: int,
    event_id: str = "",
) -> None:
    """Publish one event to the service's dead-letter queue with its reason (confirmed by the broker)."""
    producer.publish(
        body,
        exchange=dead_letter_exchange,
        routing_key=sub.dead_letter_queue_name,
        content_type=CONTENT_TYPE,
        content_encoding="utf-8",
        delivery_mode=2,
        message_id=event_id or None,
        headers={
            REASON: reason[:1000],
            ATTEMPTS: attempts,
            SERVICE: sub.service,
            DEAD_LETTERED_AT: datetime.now(UTC).isoformat(),
        },
        retry=True,
        retry_policy={"max_retries": 3},
        declare=[dead_letter_queue(sub)],
    )


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered event as an operator sees it."""

    event_id: str
    event_type: str
    reason: str
    attempts: int
    dead_lettered_at: str
    body: bytes


def _unpack(message) -> list[DeadLetter]:
    """The events in a dead-letter message: itself, or the events of a dead-lettered Celery task."""
    headers = message.headers or {}
    if "task" in headers:  # Celery protocol 2: body is [args, kwargs, embed]; args[0] is the events
        args = json.loads(message.body)[0]
        deaths = headers.get("x-death") or [{}]
        reason = f"task {headers['task']} dead-lettered by RabbitMQ: {deaths[0].get('reason', '?')}"
        return [
            DeadLetter(
                str(event.get("id", "")),
                str(event.get("type", "")),
                reason,
                int(deaths[0].get("count", 0)),
                "",
                json.dumps(event).encode(),
            )
            for event in args[0]
        ]
    body = message.body if isinstance(message.body, bytes) else message.body.encode()
    try:
        event_type = str(json.loads(body).get("type", ""))
    except (ValueError, AttributeError):
        event_type = ""
    return [
        DeadLetter(
            message.properties.get("message_id") or "",
            event_type,
            str(headers.get(REASON, (headers.get("x-death") or [{}])[0].get("reason", ""))),
            int(headers.get(ATTEMPTS, 0)),
            str(headers.get(DEAD_LETTERED_AT, "")),
            body,
        )
    ]


def peek(broker_url: str, sub: Subscription, limit: int = 1000) -> list[DeadLetter]:
    """Read up to `limit` dead-lettered messages without removing them (they are requeued on close)."""
    letters: list[DeadLetter] = []
    with Connection(broker_url) as conn:
        channel = conn.channel()
        queue = dead_letter_queue(sub)(channel)
        queue.declare()
        for _ in range(limit):
            message = queue.get(no_ack=False, accept=None)
            if message is None:
                break
            letters += _unpack(message)
        channel.close()  # unacked messages go back to the queue
    return letters


def redrive(broker_url: str, sub: Subscription, event_ids: set[str] | None = None) -> int:
    """Send dead-lettered events (all, or those with the given ids) back to this service's queue only.

    Each goes through the dead-letter exchange to the service's event queue (its redrive binding),
    so no other service sees it again; a message is removed from the dead-letter queue only once the broker
    confirmed its republished events.
    """
    moved = 0
    with confirming_connection(broker_url) as conn:
        channel = conn.channel()
        producer = Producer(channel)
        queue = dead_letter_queue(sub)(channel)
        queue.declare()
        depth = queue.queue_declare(passive=True).message_count
        for _ in range(depth):
            message = queue.get(no_ack=False, accept=None)
            if message is None:
                break
            letters = _unpack(message)
            if event_ids is not None and not any(letter.event_id in event_ids for letter in letters):
                continue  # left unacked: requeued when the channel closes
            for letter in letters:
                producer.publish(
                    letter.body,
                    exchange=dead_letter_exchange,
                    routing_key=sub.queue_name,
                    content_type=CONTENT_TYPE,
                    content_encoding="utf-8",
                    delivery_mode=2,
                    message_id=letter.event_id or None,
                    headers={"x-ripple-redriven": True},
                )
                moved += 1
            message.ack()
        channel.close()
    return moved
