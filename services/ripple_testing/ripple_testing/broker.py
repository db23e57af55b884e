"""A throw-away RabbitMQ vhost per test run, and helpers to read what landed in a queue."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import amqp
import requests

BROKER_HOST = os.environ.get("RIPPLE_TEST_RABBITMQ_HOST", "127.0.0.1")
BROKER_PORT = int(os.environ.get("RIPPLE_TEST_RABBITMQ_PORT", "5672"))
BROKER_USER = os.environ.get("RIPPLE_TEST_RABBITMQ_USER", "guest")
BROKER_PASSWORD = os.environ.get("RIPPLE_TEST_RABBITMQ_PASSWORD", "guest")
MANAGEMENT_URL = os.environ.get("RIPPLE_TEST_RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672")


def _management_available() -> bool:
    """Is the management API up (compose, or a machine with the plugin enabled)?"""
    try:
        return requests.get(
            f"{MANAGEMENT_URL}/api/overview", timeout=1, auth=(BROKER_USER, BROKER_PASSWORD)
        ).ok
    except requests.RequestException:
        return False


class TestVhost:
    """Create a uniquely named vhost with full rights for the test user; delete it afterwards."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, prefix: str = "ripple-test"):
        """Pick a fresh name; nothing is created before `create()`."""
        self.name = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self._use_http = shutil.which("rabbitmqctl") is None

    def create(self) -> TestVhost:
        """Create the vhost and grant the test user everything in it."""
        if self._use_http:
            if not _management_available():
                raise RuntimeError(
                    "cannot create a test vhost: no rabbitmqctl on PATH and no management API at "
                    f"{MANAGEMENT_URL} (set RIPPLE_TEST_RABBITMQ_MANAGEMENT_URL)"
                )
            self._http("put", f"/api/vhosts/{quote(self.name, safe='')}")
            self._http(
                "put",
                f"/api/permissions/{quote(self.name, safe='')}/{BROKER_USER}",
                json={"configure": ".*", "write": ".*", "read": ".*"},
            )
        else:
            self._ctl("add_vhost", self.name)
            self._ctl("set_permissions", "-p", self.name, BROKER_USER, ".*", ".*", ".*")
        return self

    def delete(self) -> None:
        """Remove the vhost with every queue and exchange in it."""
        if self._use_http:
            self._http("delete", f"/api/vhosts/{quote(self.name, safe='')}")
        else:
            self._ctl("delete_vhost", self.name)

    def set_policy(self, name: str, pattern: str, definition: dict) -> None:
        """Apply a queue policy (e.g. `{"max-length": 0}`) to the queues whose names match `pattern`.

        RabbitMQ applies it to a queue a moment later; callers wait for its effect.
        """
        if self._use_http:
            self._http(
                "put",
                f"/api/policies/{quote(self.name, safe='')}/{quote(name, safe='')}",
                json={"pattern": pattern, "definition": definition, "apply-to": "queues"},
            )
        else:
            self._ctl(
                "set_policy", "-p", self.name, name, pattern, json.dumps(definition), "--apply-to", "queues"
            )

    def clear_policy(self, name: str) -> None:
        """Remove a policy set by `set_policy`."""
        if self._use_http:
            self._http("delete", f"/api/policies/{quote(self.name, safe='')}/{quote(name, safe='')}")
        else:
            self._ctl("clear_policy", "-p", self.name, name)

    def url(self, host: str = BROKER_HOST, port: int = BROKER_PORT) -> str:
        """The AMQP URL of this vhost (optionally through another host/port, e.g. a proxy)."""
        return f"amqp://{BROKER_USER}:{BROKER_PASSWORD}@{host}:{port}/{quote(self.name, safe='')}"

    def _ctl(self, *args: str) -> None:
        """Run rabbitmqctl quietly; fail loudly."""
        subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)

    def _http(self, method: str, path: str, **kwargs) -> None:
        """Call the management API."""
        response = requests.request(
            method,
            f"{MANAGEMENT_URL}{path}",
            auth=(BROKER_USER, BROKER_PASSWORD),
            timeout=30,
            **kwargs,
        )
        response.raise_for_status()


@dataclass(frozen=True)
class ReceivedMessage:
    """A message read back from a queue."""

    body: bytes
    properties: dict
    routing_key: str
    redelivered: bool


def connect(vhost: TestVhost) -> amqp.Connection:
    """A plain py-amqp connection to the vhost (no declarations, so nothing is changed)."""
    conn = amqp.Connection(
        host=f"{BROKER_HOST}:{BROKER_PORT}",
        userid=BROKER_USER,
        password=BROKER_PASSWORD,
        virtual_host=vhost.name,
    )
    conn.connect()
    return conn


def take_messages(
    vhost: TestVhost, queue: str, *, expect: int, timeout: float = 20.0, settle: float = 0.3
) -> list[ReceivedMessage]:
    """Take (and ack) messages from a queue until `expect` arrived and `settle` seconds pass quiet.

    Polls with a deadline instead of sleeping; returns whatever arrived, so the caller's
    assertion shows what was missing or extra.
    """
    received: list[ReceivedMessage] = []
    deadline = time.monotonic() + timeout
    quiet_since = time.monotonic()
    with connect(vhost) as conn:
        channel = conn.channel()
        while time.monotonic() < deadline:
            message = channel.basic_get(queue)
            if message is None:
                if len(received) >= expect and time.monotonic() - quiet_since >= settle:
                    break
                time.sleep(0.02)
                continue
            channel.basic_ack(message.delivery_tag)
            quiet_since = time.monotonic()
            received.append(
                ReceivedMessage(
                    body=message.body if isinstance(message.body, bytes) else message.body.encode(),
                    properties=dict(message.properties),
                    routing_key=message.delivery_info.get("routing_key", ""),
                    redelivered=bool(message.delivery_info.get("redelivered")),
                )
            )
    return received


def return_unacked(vhost: TestVhost, queue: str, times: int) -> int:
    """Take a message and give it back unacked, as a worker that dies on it would; count deliveries.

    RabbitMQ counts each return (`x-delivery-count`) and dead-letters the message past the
    queue's `x-delivery-limit`.
    """
    deliveries = 0
    with connect(vhost) as conn:
        channel = conn.channel()
        for _ in range(times):
            message = channel.basic_get(queue)
            if message is None:
                break
            deliveries += 1
            channel.basic_reject(message.delivery_tag, requeue=True)
    return deliveries


def queue_depth(vhost: TestVhost, queue: str) -> int:
    """How many ready messages a queue holds (passive declare: creates nothing)."""
    with connect(vhost) as conn:
        return conn.channel().queue_declare(queue, passive=True).message_count


def publish_events(vhost: TestVhost, events, *, raw_bodies: dict[str, str] | None = None) -> None:
    """Publish CloudEvents (and optionally raw bodies by routing key) to catalog.events, confirmed."""
    from ripple_runtime.messaging.publisher import ConfirmingPublisher, OutgoingMessage

    messages = [OutgoingMessage(str(e.id), e.routing_key, e.to_json(), e.type) for e in events]
    for routing_key, body in (raw_bodies or {}).items():
        messages.append(OutgoingMessage(str(uuid.uuid4()), routing_key, body, "invalid"))
    publisher = ConfirmingPublisher(vhost.url())
    try:
        result = publisher.publish_batch(messages)
    finally:
        publisher.close()
    assert not result.failed, result.failed


def publish_message(
    vhost: TestVhost,
    routing_key: str,
    body: bytes,
    *,
    content_type: str | None = None,
    headers: dict | None = None,
    exchange: str = "catalog.events",
) -> None:
    """Publish one message as any AMQP client would (headers, content type as given), confirmed.

    The topology is declared first, as the relay would, so the message reaches its queues even
    before a worker declared them.
    """
    from kombu import Connection

    from ripple_runtime.messaging.queues import declare_topology

    with Connection(vhost.url()) as kombu_conn:
        declare_topology(kombu_conn.channel())
    properties = {"delivery_mode": 2}
    if content_type is not None:
        properties["content_type"] = content_type
    with connect(vhost) as conn:
        channel = conn.channel()
        channel.confirm_select()
        message = amqp.Message(body, application_headers=headers or {}, **properties)
        channel.basic_publish_confirm(message, exchange=exchange, routing_key=routing_key, mandatory=True)
