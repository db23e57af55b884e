"""Integration fixtures: the relay as a real process (`ripple.sh catalog relay`) on the test database."""

from __future__ import annotations

import pytest
from django.db import connection

from ripple_runtime.outbox.models import OutboxEvent, RelayHeartbeat
from ripple_testing.entrypoints import ripple_processes
from ripple_testing.processes import django_database_url


def pending() -> int:
    """Outbox rows not yet confirmed by the broker."""
    return OutboxEvent.objects.filter(published_at__isnull=True).count()


@pytest.fixture
def relay_factory(fresh_vhost, tmp_path):
    """Start relays (`ripple.sh catalog relay`) on this test's database and vhost; stopped at teardown."""
    env = {
        "DATABASE_URL": django_database_url(connection),
        "BROKER_URL": fresh_vhost.url(),
        "DJANGO_SECRET_KEY": "relay-test-key",
        "DJANGO_DEBUG": "0",
        "OUTBOX_POLL_INTERVAL": "0.2",
        "OUTBOX_MAX_BACKOFF": "0.5",
        "OUTBOX_CLAIM_SECONDS": "3",
    }
    with ripple_processes("catalog", env, tmp_path) as start:
        yield lambda **overrides: start("relay", **overrides)


def connected_relays() -> int:
    """How many relays last said they reach the broker."""
    return RelayHeartbeat.objects.filter(broker_connected=True).count()
