"""Integration fixtures: the real worker (`celery … worker`) on the test database, a vhost, servers."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from ripple_runtime.messaging.publisher import ConfirmingPublisher, OutgoingMessage
from ripple_testing.entrypoints import ripple_processes
from ripple_testing.processes import ManagedProcess, django_database_url, wait_until
from ripple_testing.servers import start_smtp
from shared_contracts.events import CloudEvent


@pytest.fixture
def mailbox():
    """A real SMTP server for the worker to send to (its own port, not Django's settings)."""
    controller, sink = start_smtp()
    yield sink
    controller.stop()


@pytest.fixture
def worker_factory(transactional_db, fresh_vhost, mailbox, tmp_path):
    """Start notifications workers (`ripple.sh notifications worker`) on this test's database and vhost."""
    env = {
        "DATABASE_URL": django_database_url(connection),
        "BROKER_URL": fresh_vhost.url(),
        "DJANGO_SECRET_KEY": "worker-test-key",
        "DJANGO_DEBUG": "0",
        "NOTIFICATIONS_RETRY_SCHEDULE": "1,1,2",
        "NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK": "1",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(mailbox.port),
        "EVENT_RETRY_BASE_DELAY": "0.5",
    }
    with ripple_processes("notifications", env, tmp_path) as start_process:

        def start(**overrides: str) -> ManagedProcess:
            worker = start_process("worker", **overrides)
            wait_until(lambda: " ready." in worker.log(), timeout=60, what="the worker to be ready")
            return worker

        yield start


@pytest.fixture
def publish(fresh_vhost):
    """Publish events (or raw JSON objects with a routing key) to catalog.events, confirmed by the broker."""
    publisher = ConfirmingPublisher(fresh_vhost.url())

    def send(*items: CloudEvent | tuple[str, dict]) -> None:
        messages = []
        for item in items:
            if isinstance(item, CloudEvent):
                messages.append(OutgoingMessage(str(item.id), item.routing_key, item.to_json(), item.type))
            else:
                routing_key, body = item
                messages.append(OutgoingMessage(body["id"], routing_key, json.dumps(body), str(body["type"])))
        result = publisher.publish_batch(messages)
        assert not result.failed, result.failed

    yield send
    publisher.close()
