"""The confirming publisher against the real RabbitMQ: confirmed means queued, unroutable means failed."""

import json
import re
import time
import uuid

import pytest

from ripple_runtime.messaging.publisher import ConfirmingPublisher, OutgoingMessage
from ripple_testing.broker import take_messages
from ripple_testing.processes import wait_until
from ripple_testing.proxy import TcpProxy
from shared_contracts import topology


def message(routing_key: str = "catalog.media.deleted", padding: int = 0) -> OutgoingMessage:
    event_id = str(uuid.uuid4())
    return OutgoingMessage(
        message_id=event_id,
        routing_key=routing_key,
        body=json.dumps({"id": event_id, "padding": " " * padding}),
        event_type=f"{routing_key}.v1",
        correlation_id="corr-1",
    )


def test_a_confirmed_batch_is_in_the_bound_queue_in_order(fresh_vhost):
    publisher = ConfirmingPublisher(fresh_vhost.url())
    batch = [message() for _ in range(1500)]
    try:
        result = publisher.publish_batch(batch)
    finally:
        publisher.close()
    assert result.confirmed == [m.message_id for m in batch] and not result.failed
    queue = topology.SUBSCRIPTIONS["media"].queue_name
    received = take_messages(fresh_vhost, queue, expect=1500)
    assert [m.properties["message_id"] for m in received] == result.confirmed
    assert received[0].properties["correlation_id"] == "corr-1"
    assert received[0].properties["type"] == "catalog.media.deleted.v1"


def test_an_unroutable_message_is_reported_failed_not_confirmed(fresh_vhost):
    publisher = ConfirmingPublisher(fresh_vhost.url())
    good, lost = message(), message("catalog.nobody.listens")
    try:
        result = publisher.publish_batch([good, lost, message()])
    finally:
        publisher.close()
    assert lost.message_id in result.failed and "unroutable" in result.failed[lost.message_id]
    assert good.message_id in result.confirmed and len(result.confirmed) == 2


def test_the_publisher_reconnects_after_close(fresh_vhost):
    publisher = ConfirmingPublisher(fresh_vhost.url())
    try:
        first = publisher.publish_batch([message()])
        publisher.close()
        assert not publisher.connected
        second = publisher.publish_batch([message()])
    finally:
        publisher.close()
    assert len(first.confirmed) == len(second.confirmed) == 1


def test_after_a_nack_the_next_batch_goes_out_on_a_new_channel(fresh_vhost):
    """On RabbitMQ 3.10 the nacked channel keeps nacking once the queue has room again; a new one does not."""
    queue = topology.SUBSCRIPTIONS["media"].queue_name
    publisher = ConfirmingPublisher(fresh_vhost.url())
    try:
        publisher.connect()
        nacked_channel = publisher._channel
        fresh_vhost.set_policy("media-full", f"^{re.escape(queue)}$", {"max-length": 0})  # reject-publish
        wait_until(lambda: publisher.publish_batch([message()]).failed, what="a nacked publish")
        fresh_vhost.clear_policy("media-full")
        wait_until(lambda: publisher.publish_batch([message()]).confirmed, what="a confirmed publish")
        assert publisher._channel is not nacked_channel
    finally:
        publisher.close()


def test_an_idle_publisher_reads_the_brokers_heartbeats_and_stays_connected(fresh_vhost, monkeypatch):
    publisher = ConfirmingPublisher(fresh_vhost.url(), heartbeat=1)
    try:
        publisher.connect()
        deadline = time.monotonic() + 4  # four heartbeat intervals; two missed would raise
        while time.monotonic() < deadline:
            publisher.heartbeat_check()
            time.sleep(0.2)
        assert publisher.publish_batch([message()]).confirmed
    finally:
        publisher.close()


def test_a_blocked_connection_refuses_to_write_with_a_recoverable_error_until_unblocked(fresh_vhost):
    publisher = ConfirmingPublisher(fresh_vhost.url())
    try:
        publisher.connect()
        amqp_connection = publisher._connection.connection
        assert amqp_connection.client_properties["capabilities"]["connection.blocked"]
        amqp_connection._on_blocked()  # what py-amqp runs when the broker sends Connection.Blocked
        with pytest.raises(publisher.recoverable_errors, match="blocked"):
            publisher.send([message()])
        amqp_connection._on_unblocked()
        assert publisher.publish_batch([message()]).confirmed
    finally:
        publisher.close()


def test_a_write_the_broker_never_reads_times_out_as_a_recoverable_error(fresh_vhost):
    proxy = TcpProxy("127.0.0.1", 5672).start()
    publisher = ConfirmingPublisher(fresh_vhost.url(port=proxy.port), write_timeout=1.0, heartbeat=0)
    try:
        publisher.connect()
        proxy.stall()
        big = [message(padding=100_000) for _ in range(200)]  # 20 MB: more than any socket buffer
        started = time.monotonic()
        with pytest.raises(publisher.recoverable_errors, match="timed out"):
            publisher.send(big)
        assert time.monotonic() - started < 10
    finally:
        publisher.close()
        proxy.close()
