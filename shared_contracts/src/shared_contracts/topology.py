"""The one source of exchange, routing key, queue and argument names that every service uses.

Pure data: names, bindings and queue arguments, no AMQP client. The runtime turns them into
kombu entities (`ripple_runtime.messaging.queues`) and into deploy/rabbitmq/definitions.json.
"""

from __future__ import annotations

from dataclasses import dataclass

EVENTS_EXCHANGE_NAME = "catalog.events"
# Receipts: every consuming service reports here what it did for each event of a deletion.
RECEIPTS_EXCHANGE_NAME = "ripple.receipts"
DEAD_LETTER_EXCHANGE_NAME = "ripple.dead-letter"
TASKS_EXCHANGE_NAME = "ripple.tasks"

# Quorum queues redeliver a message at most this many times before dead-lettering it, so a
# poison message that kills its consumer cannot loop forever. Set explicitly: RabbitMQ 4.x
# defaults to 20, 3.x to unlimited.
DELIVERY_LIMIT = 10


@dataclass(frozen=True)
class ExchangeSpec:
    """A durable exchange: its name and type."""

    name: str
    type: str


@dataclass(frozen=True)
class QueueSpec:
    """A durable queue: its name, arguments and (exchange, routing key) bindings."""

    name: str
    arguments: dict[str, object]
    bindings: tuple[tuple[str, str], ...]


EVENTS_EXCHANGE = ExchangeSpec(EVENTS_EXCHANGE_NAME, "topic")
RECEIPTS_EXCHANGE = ExchangeSpec(RECEIPTS_EXCHANGE_NAME, "topic")
DEAD_LETTER_EXCHANGE = ExchangeSpec(DEAD_LETTER_EXCHANGE_NAME, "direct")
# A topic exchange, so that Celery's native delayed delivery (retries with a countdown on quorum
# queues) routes a retry back to the one task queue it came from.
TASKS_EXCHANGE = ExchangeSpec(TASKS_EXCHANGE_NAME, "topic")
EXCHANGES = (EVENTS_EXCHANGE, RECEIPTS_EXCHANGE, DEAD_LETTER_EXCHANGE, TASKS_EXCHANGE)


def topic_matches(pattern: str, routing_key: str) -> bool:
    """Whether a topic binding key (`*` one word, `#` any number of words) matches a routing key."""

    def match(words: list[str], key: list[str]) -> bool:
        if not words:
            return not key
        if words[0] == "#":
            return any(match(words[1:], key[i:]) for i in range(len(key) + 1))
        return bool(key) and words[0] in ("*", key[0]) and match(words[1:], key[1:])

    return match(pattern.split("."), routing_key.split("."))


@dataclass(frozen=True)
class Subscription:
    """One consuming service: its event queue, the exchange and routing keys bound to it, its dead letters."""

    service: str
    binding_keys: tuple[str, ...]
    exchange: str = EVENTS_EXCHANGE_NAME

    @property
    def queue_name(self) -> str:
        """The service's event queue, after its exchange: e.g. `catalog.ripple-receipts`."""
        return f"{self.service}.{self.exchange.replace('.', '-')}"

    @property
    def dead_letter_queue_name(self) -> str:
        """Where the service's failed and invalid events end up, e.g. `media.catalog-events.dlq`."""
        return f"{self.queue_name}.dlq"

    @property
    def task_queue_name(self) -> str:
        """The Celery queue of the service's own tasks, e.g. `media.tasks`."""
        return f"{self.service}.tasks"

    def queue_arguments(self) -> dict[str, object]:
        """Arguments of the event and task queues: quorum, bounded redelivery, dead-lettered on failure.

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

    def delivers(self, routing_key: str) -> bool:
        """Whether one of the service's binding keys routes this key to its event queue."""
        return any(topic_matches(key, routing_key) for key in self.binding_keys)

    def event_queue(self) -> QueueSpec:
        """The event queue: one binding per routing key, plus the redrive binding.

        Redriven events come back through the dead-letter exchange with the queue's own name as
        routing key, so they reach this service only (and a service user needs no rights on
        the default exchange, which would let it write into any queue).
        """
        return QueueSpec(
            self.queue_name,
            self.queue_arguments(),
            (
                *((self.exchange, key) for key in self.binding_keys),
                (DEAD_LETTER_EXCHANGE_NAME, self.queue_name),
            ),
        )

    def dead_letter_queue(self) -> QueueSpec:
        """The service's dead-letter queue.

        Classic, not quorum: operators peek at it (get, then requeue on close), and a quorum
        queue would count every peek as a delivery (RabbitMQ 4.x drops a message after 20).
        """
        return QueueSpec(
            self.dead_letter_queue_name,
            {"x-queue-type": "classic"},
            ((DEAD_LETTER_EXCHANGE_NAME, self.dead_letter_queue_name),),
        )

    def task_queue(self) -> QueueSpec:
        """The service's Celery task queue: quorum, bounded redelivery, dead-lettered like events."""
        return QueueSpec(
            self.task_queue_name,
            self.queue_arguments(),
            ((TASKS_EXCHANGE_NAME, self.task_queue_name),),
        )


SUBSCRIPTIONS: dict[str, Subscription] = {
    sub.service: sub
    for sub in (
        Subscription("media", ("catalog.media.deleted", "catalog.product.deleted")),
        Subscription("search", ("catalog.product.*",)),
        Subscription(
            "notifications", ("catalog.product.deleted", "catalog.category.deleted", "catalog.deletion.*")
        ),
        # The catalog's deletion ledger reads every service's receipts.
        Subscription("catalog", ("ripple.receipt",), exchange=RECEIPTS_EXCHANGE_NAME),
    )
}


def expected_services(event_type_or_key: str) -> tuple[str, ...]:
    """The services bound to a catalog event: each of them owes a receipt for it, in name order.

    Takes an event type (`catalog.product.deleted.v1`) or its routing key. A new consumer is
    expected as soon as its subscription is in SUBSCRIPTIONS.
    """
    base, _, version = event_type_or_key.rpartition(".")
    key = base if version[:1] == "v" and version[1:].isdigit() else event_type_or_key
    return tuple(
        sorted(
            sub.service
            for sub in SUBSCRIPTIONS.values()
            if sub.exchange == EVENTS_EXCHANGE_NAME and sub.delivers(key)
        )
    )


def publish_exchange(service: str) -> str:
    """Where a service's relay publishes: the catalog its events, every other service its receipts."""
    return EVENTS_EXCHANGE_NAME if service == "catalog" else RECEIPTS_EXCHANGE_NAME


def all_queues(exchange: str | None = None) -> list[QueueSpec]:
    """Every event queue and its dead-letter queue, or only those of subscriptions to one exchange.

    A relay declares the queues of the exchange it publishes to, so that nothing it sends is
    unroutable before their consumers first start.
    """
    queues: list[QueueSpec] = []
    for sub in SUBSCRIPTIONS.values():
        if exchange is None or sub.exchange == exchange:
            queues += [sub.event_queue(), sub.dead_letter_queue()]
    return queues
