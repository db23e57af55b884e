"""Integration fixtures: the relay as a real `manage.py relay_outbox` process on the test database."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from django.db import connection

from outbox.models import OutboxEvent, RelayHeartbeat
from shared_contracts.testing.processes import ManagedProcess, django_database_url

CATALOG_DIR = Path(__file__).resolve().parents[2]


def pending() -> int:
    """Outbox rows not yet confirmed by the broker."""
    return OutboxEvent.objects.filter(published_at__isnull=True).count()


@pytest.fixture
def relay_factory(fresh_vhost, tmp_path):
    """Start relays against this test's database and vhost; all are stopped at teardown."""
    started: list[ManagedProcess] = []

    def start(**overrides: str) -> ManagedProcess:
        env = {
            **os.environ,
            "DATABASE_URL": django_database_url(connection),
            "BROKER_URL": fresh_vhost.url(),
            "DJANGO_SECRET_KEY": "relay-test-key",
            "DJANGO_DEBUG": "0",
            "OUTBOX_POLL_INTERVAL": "0.2",
            "OUTBOX_MAX_BACKOFF": "0.5",
            "OUTBOX_CLAIM_SECONDS": "3",
            **overrides,
        }
        relay = ManagedProcess(
            [sys.executable, "manage.py", "relay_outbox"],
            cwd=CATALOG_DIR,
            env=env,
            log_path=tmp_path / f"relay-{len(started)}.log",
        ).start()
        started.append(relay)
        return relay

    yield start
    for relay in started:
        relay.stop()


def connected_relays() -> int:
    """How many relays last said they reach the broker."""
    return RelayHeartbeat.objects.filter(broker_connected=True).count()
