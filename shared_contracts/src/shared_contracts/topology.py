"""The one source of exchange, routing key, queue and argument names that every service uses."""

from __future__ import annotations

from dataclasses import dataclass

from kombu import Exchange, Queue, binding

EVENTS_EXCHANGE_NAME = "catalog.events"
DEAD_LETTER_EXCHANGE_NAME = "ripple.dead-letter"
TASKS_EXCHANGE_NAME = "ripple.tasks"

# Quorum queues redeliver a message at most this many times before dead-lettering it, so a
# poison message that kills its consumer cannot loop forever. Set explicitly: RabbitMQ 4.x
# defaults to 20, 3.x to unlimited.
DELIVERY_LIMIT = 10

events_exchange = Exchange(EVENTS_EXCHANGE_NAME, type="topic", durable=True)
dead_letter_exchange = Exchange(DEAD_LETTER_EXCHANGE_NAME, type="direct", durable=True)
tasks_exchange = Exchange(TASKS_EXCHANGE_NAME, type="topic", durable=True)


@dataclass(frozen=True)
class Subscription:
    """One consuming service: its event queue, the routing keys bound to it and its dead-letter queue."""

    service: str
    binding_keys: tuple[str, ...]

    @property
    def queue_name(self) -> str:
        """The service's event queue, e.g. `media.catalog-events`."""
        return f"{self.service}.{EVENTS_EXCHANGE_NAME.replace('.', '-')}"

    @property
    def dead_letter_queue_name(self) -> str:
        """Where the service's failed and invalid events end up, e.g. `media.catalog-events.dlq`."""
        return f"{self.queue_name}.dlq"

    def queue_arguments(self) -> dict[str, object]:
        """Arguments of the event queue: quorum, bounded redelivery, dead-lettered on failure.

        Dead-lettering is at-least-once (RabbitMQ keeps a message until the dead-letter queue
        confirmed it), which quorum queues offer only together with `reject-publish` overflow:
        a message dead-lettered by the delivery limit cannot be dropped on the way.
        """
        return {
            "x-queue-type": "quorum",
            "x-delivery-limit": DELIVERY_LIMIT,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE_NAME,
            "x-dead-letter-routing-key": self.dead_letter_queue_name,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }

    def event_queue(self) -> Queue:
        """The event queue: one binding per routing key, plus the redrive binding.

        Redriven events come back through the dead-letter exchange with the queue's own name as
        routing key, so they reach this service only (and a service user needs no rights on
        the default exchange, which would let it write into any queue).
        """
        return Queue(
            self.queue_name,
            bindings=[
                *(binding(events_exchange, routing_key=key) for key in self.binding_keys),
                binding(dead_letter_exchange, routing_key=self.queue_name),
            ],
            durable=True,
            queue_arguments=self.queue_arguments(),
        )

    @property
    def task_queue_name(self) -> str:
        """The Celery queue of the service's own tasks, e.g. `media.tasks`."""
        return f"{self.service}.tasks"

    def dead_letter_queue(self) -> Queue:
        """The service's dead-letter queue.

        Classic, not quorum: operators peek at it (get, then requeue on close), and a quorum
        queue would count every peek as a delivery (RabbitMQ 4.x drops a message after 20).
        """
        return Queue(
            self.dead_letter_queue_name,
            exchange=dead_letter_exchange,
            routing_key=self.dead_letter_queue_name,
            durable=True,
            queue_arguments={"x-queue-type": "classic"},
        )

    def task_queue(self) -> Queue:
        """The service's Celery task queue: quorum, bounded redelivery, dead-lettered like events.

        Its exchange is a topic exchange so that Celery's native delayed delivery (used for
        retries with a countdown on quorum queues) routes a retry back to this queue only.
        """
        return Queue(
            self.task_queue_name,
            exchange=tasks_exchange,
            routing_key=self.task_queue_name,
            durable=True,
            queue_arguments=self.queue_arguments(),
        )


SUBSCRIPTIONS: dict[str, Subscription] = {
    sub.service: sub
    for sub in (
        Subscription("media", ("catalog.media.deleted",)),
        Subscription("search", ("catalog.product.*",)),
        Subscription("notifications", ("catalog.product.deleted", "catalog.category.deleted")),
    )
}


def all_queues() -> list[Queue]:
    """Every queue the topology declares: each service's event queue and its dead-letter queue."""
    queues: list[Queue] = []
    for sub in SUBSCRIPTIONS.values():
        queues += [sub.event_queue(), sub.dead_letter_queue()]
    return queues


def declare_topology(channel) -> None:
    """Declare exchanges, queues and bindings on a channel; safe to repeat (declarations are idempotent)."""
    events_exchange(channel).declare()
    dead_letter_exchange(channel).declare()
    for queue in all_queues():
        queue(channel).declare()
