"""The `ripple` pytest plugin: a RabbitMQ vhost for the whole test session, removed at its end."""

from __future__ import annotations

import pytest

from ripple_testing.broker import TestVhost


@pytest.fixture(scope="session")
def rabbitmq_vhost():
    """A fresh vhost on the machine's RabbitMQ for this test session."""
    vhost = TestVhost().create()
    try:
        yield vhost
    finally:
        vhost.delete()


@pytest.fixture
def fresh_vhost():
    """A vhost of its own for one test that must not see another test's queues."""
    vhost = TestVhost().create()
    try:
        yield vhost
    finally:
        vhost.delete()
