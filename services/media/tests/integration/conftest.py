"""The media worker as a real `celery -A media_site.celery worker` process on the test database."""

import os
import sys
from pathlib import Path

import pytest
from django.db import connection

from shared_contracts.testing.processes import ManagedProcess, django_database_url

MEDIA_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def start_worker(fresh_vhost, media_root, tmp_path):
    """Start media workers against this test's database, vhost and media root; stop them after."""
    started: list[ManagedProcess] = []

    def start(**overrides: str) -> ManagedProcess:
        env = {
            **os.environ,
            "DATABASE_URL": django_database_url(connection),
            "BROKER_URL": fresh_vhost.url(),
            "MEDIA_ROOT": str(media_root),
            "DJANGO_SECRET_KEY": "media-test-key",
            "EVENT_MAX_RETRIES": "2",
            "EVENT_RETRY_BASE_DELAY": "1",
            **overrides,
        }
        argv = [sys.executable, "-m", "celery", "-A", "media_site.celery", "worker", "-l", "INFO"]
        argv += ["-n", f"media-test-{len(started)}@%h", "--concurrency", "2", "--without-mingle"]
        worker = ManagedProcess(
            argv, cwd=MEDIA_DIR, env=env, log_path=tmp_path / f"worker-{len(started)}.log"
        )
        started.append(worker.start())
        return worker

    yield start
    for worker in started:
        worker.stop()
