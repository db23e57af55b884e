"""Integration fixtures: the relay as a real `manage.py relay_outbox` process on the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

from outbox.models import OutboxEvent, RelayHeartbeat

CATALOG_DIR = Path(__file__).resolve().parents[2]


def wait_until(predicate: Callable[[], object], timeout: float = 30.0, what: str = "condition"):
    """Poll `predicate` until it is truthy or the deadline passes (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def pending() -> int:
    """Outbox rows not yet confirmed by the broker."""
    return OutboxEvent.objects.filter(published_at__isnull=True).count()


def database_url() -> str:
    """The URL of the test database this test process uses, for the relay subprocess."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class RelayProcess:
    """One `manage.py relay_outbox` subprocess with its own environment and log file."""

    def __init__(self, env: dict[str, str], log_path: Path):
        """Remember how to start it."""
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> RelayProcess:
        """Start the relay."""
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "relay_outbox"],
            cwd=CATALOG_DIR,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    def kill(self) -> None:
        """SIGKILL: no chance to finish the batch or say goodbye."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        """SIGTERM and wait for a clean exit."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode

    def log(self) -> str:
        """What the relay wrote so far."""
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def relay_factory(fresh_vhost, tmp_path):
    """Start relays against this test's database and vhost; all are stopped at teardown."""
    started: list[RelayProcess] = []

    def start(**overrides: str) -> RelayProcess:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "BROKER_URL": fresh_vhost.url(),
            "DJANGO_SECRET_KEY": "relay-test-key",
            "DJANGO_DEBUG": "0",
            "OUTBOX_POLL_INTERVAL": "0.2",
            "OUTBOX_MAX_BACKOFF": "0.5",
            **overrides,
        }
        relay = RelayProcess(env, tmp_path / f"relay-{len(started)}.log").start()
        started.append(relay)
        return relay

    yield start
    for relay in started:
        relay.stop()


def connected_relays() -> int:
    """How many relays last said they reach the broker."""
    return RelayHeartbeat.objects.filter(broker_connected=True).count()
