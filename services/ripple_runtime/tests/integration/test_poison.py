"""A poison message cannot loop forever: RabbitMQ's x-delivery-limit dead-letters it, and the
dead-letter tools read it (an event, or the events of a dead-lettered Celery task) and redrive it."""

import json

import amqp
from kombu import Connection

from ripple_runtime.messaging import deadletter, queues
from ripple_testing.broker import connect, queue_depth, return_unacked, take_messages
from shared_contracts import topology
from shared_contracts.events import MediaDeletedV1, build_event
from shared_contracts.events.catalog import SOURCE

SUB = topology.SUBSCRIPTIONS["media"]


def event():
    return build_event(
        MediaDeletedV1(media_id=7, product_id=3, storage_keys=["products/3/a.jpg"]), source=SOURCE
    )


def declare(vhost) -> None:
    """The topology, as the relay declares it, and the media task queue, as its worker does."""
    with Connection(vhost.url()) as conn:
        channel = conn.channel()
        queues.declare_topology(channel)
        queues.task_queue(SUB)(channel).declare()


def test_an_event_that_keeps_killing_its_consumer_is_dead_lettered_after_the_limit(fresh_vhost):
    declare(fresh_vhost)
    poison = event()
    with connect(fresh_vhost) as conn:
        conn.channel().basic_publish(
            amqp.Message(poison.to_json(), message_id=str(poison.id)), exchange="", routing_key=SUB.queue_name
        )

    deliveries = return_unacked(fresh_vhost, SUB.queue_name, topology.DELIVERY_LIMIT + 5)

    assert deliveries == topology.DELIVERY_LIMIT + 1  # the first delivery and DELIVERY_LIMIT more
    assert queue_depth(fresh_vhost, SUB.queue_name) == 0
    [letter] = deadletter.peek(fresh_vhost.url(), SUB)
    assert letter.event_id == str(poison.id) and "delivery_limit" in letter.reason


def test_a_dead_lettered_task_is_read_as_its_events_and_redriven_to_this_service_only(fresh_vhost):
    declare(fresh_vhost)
    events = [event(), event()]
    task_body = json.dumps([[[e.to_dict() for e in events]], {}, {}])
    with connect(fresh_vhost) as conn:
        conn.channel().basic_publish(
            amqp.Message(task_body, application_headers={"task": "media.catalog.media.deleted.v1"}),
            exchange=topology.TASKS_EXCHANGE_NAME,
            routing_key=SUB.task_queue_name,
        )
    return_unacked(fresh_vhost, SUB.task_queue_name, topology.DELIVERY_LIMIT + 5)

    letters = deadletter.peek(fresh_vhost.url(), SUB)
    assert [letter.event_id for letter in letters] == [str(e.id) for e in events]
    assert all("media.catalog.media.deleted.v1" in letter.reason for letter in letters)
    assert deadletter.redrive(fresh_vhost.url(), SUB) == 2

    back = take_messages(fresh_vhost, SUB.queue_name, expect=2)
    assert [json.loads(m.body)["id"] for m in back] == [str(e.id) for e in events]
    assert queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 0
    for other in ("search", "notifications"):
        assert queue_depth(fresh_vhost, topology.SUBSCRIPTIONS[other].queue_name) == 0
