"""A service app's own task publishes are confirmed: what the broker refuses is an error, not a loss."""

import pytest
from celery import Celery
from kombu import Connection
from kombu.exceptions import OperationalError

from ripple_runtime.celery import install
from ripple_runtime.messaging import queues
from ripple_runtime.messaging.service import EventService
from ripple_testing.broker import queue_depth
from ripple_testing.processes import wait_until

SERVICE = EventService(
    name="media",
    handlers={"catalog.media.deleted.v1": "json.dumps", "catalog.product.deleted.v1": "json.dumps"},
)


@pytest.fixture
def app(fresh_vhost):
    """The media app wired as a worker's, on this test's vhost, its task queue declared."""
    app = Celery("media-confirmed", set_as_current=False, broker=fresh_vhost.url())
    install(app, SERVICE)
    with Connection(fresh_vhost.url()) as conn:
        queues.task_queue(SERVICE.subscription)(conn.default_channel).declare()
    yield app
    app.close()


def test_a_task_message_the_full_task_queue_refuses_raises_instead_of_vanishing(app, fresh_vhost):
    task = app.tasks[SERVICE.task_name("catalog.product.deleted.v1")]
    task.apply_async(args=[[]])
    assert queue_depth(fresh_vhost, "media.tasks") == 1
    # the queue takes no more: RabbitMQ nacks what is published to it from now on
    fresh_vhost.set_policy("full", r"^media\.tasks$", {"max-length": 0, "overflow": "reject-publish"})
    accepted = 1

    def refused() -> bool:
        """Publish once more; True once the broker's nack came back as an error (kombu wraps it)."""
        nonlocal accepted
        try:
            task.apply_async(args=[[]], retry=False)
        except OperationalError:
            return True
        accepted += 1  # the policy may take a moment to reach the queue
        return False

    wait_until(refused, timeout=10, what="the refused publish to raise")
    assert queue_depth(fresh_vhost, "media.tasks") == accepted  # each publish that returned is queued
