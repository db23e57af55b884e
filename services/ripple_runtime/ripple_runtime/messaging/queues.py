"""The topology's names as kombu entities: exchanges, each service's queues, and declaring them."""

from __future__ import annotations

import logging

from amqp.exceptions import NotFound
from kombu import Exchange, Queue, binding

from shared_contracts import topology
from shared_contracts.topology import ExchangeSpec, QueueSpec, Subscription

log = logging.getLogger(__name__)


def exchange(spec: ExchangeSpec) -> Exchange:
    """A durable kombu exchange."""
    return Exchange(spec.name, type=spec.type, durable=True)


events_exchange = exchange(topology.EVENTS_EXCHANGE)
receipts_exchange = exchange(topology.RECEIPTS_EXCHANGE)
dead_letter_exchange = exchange(topology.DEAD_LETTER_EXCHANGE)
tasks_exchange = exchange(topology.TASKS_EXCHANGE)
_EXCHANGES = {e.name: e for e in (events_exchange, receipts_exchange, dead_letter_exchange, tasks_exchange)}


def exchange_named(name: str) -> Exchange:
    """The kombu exchange of one of the topology's exchange names."""
    return _EXCHANGES[name]


def queue(spec: QueueSpec) -> Queue:
    """A durable kombu queue with the spec's arguments and bindings."""
    bindings = [binding(_EXCHANGES[source], routing_key=key) for source, key in spec.bindings]
    if len(bindings) == 1:  # one binding: Celery and kombu read it from exchange/routing_key
        return Queue(
            spec.name,
            exchange=bindings[0].exchange,
            routing_key=bindings[0].routing_key,
            durable=True,
            queue_arguments=dict(spec.arguments),
        )
    return Queue(spec.name, bindings=bindings, durable=True, queue_arguments=dict(spec.arguments))


def event_queue(sub: Subscription) -> Queue:
    """The service's event queue, bound to its routing keys and to its redrive key."""
    return queue(sub.event_queue())


def dead_letter_queue(sub: Subscription) -> Queue:
    """The service's (classic) dead-letter queue."""
    return queue(sub.dead_letter_queue())


def task_queue(sub: Subscription) -> Queue:
    """The service's quorum Celery task queue."""
    return queue(sub.task_queue())


def all_queues() -> list[Queue]:
    """Every event queue and dead-letter queue of the topology."""
    return [queue(spec) for spec in topology.all_queues()]


def declare_topology(channel) -> None:
    """Declare exchanges, queues and bindings on a channel; safe to repeat (declarations are idempotent).

    The event queues are quorum queues and survive a cluster node's loss; a dead-letter queue is a
    classic queue, which RabbitMQ refuses to declare while its node is down (NOT_FOUND, "home
    node … is down"). Such a queue still exists and only dead letters go to it (a quorum queue
    holds those until it is back), so it is skipped with a warning, on a channel of its own:
    the events keep flowing meanwhile.
    """
    for each in (events_exchange, receipts_exchange, dead_letter_exchange):
        each(channel).declare()
    for spec in topology.all_queues():
        if spec.arguments.get("x-queue-type") == "classic":
            declare_if_reachable(channel, queue(spec))
        else:
            queue(spec)(channel).declare()


def declare_if_reachable(channel, classic: Queue) -> None:
    """Declare a classic (dead-letter) queue on a channel of its own; warn instead when its node is down."""
    trial = channel.connection.channel()
    try:
        classic(trial).declare()
    except NotFound as exc:
        log.warning(
            "queue %s not declared: %s (its node is down; declared again on the next connect)",
            classic.name,
            exc,
        )
        return
    trial.close()
