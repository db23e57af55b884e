"""The search worker as a real `celery -A search_site.celery worker` process on the test database."""

import os
import sys
from pathlib import Path

import pytest
from django.db import connection

from shared_contracts.testing.processes import ManagedProcess, django_database_url

SEARCH_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def start_worker(fresh_vhost, tmp_path, settings):
    """Start search workers against this test's database and vhost; stop them after the test."""
    settings.BROKER_URL = fresh_vhost.url()  # for `manage.py deadletters` run in the test
    started: list[ManagedProcess] = []

    def start(**overrides: str) -> ManagedProcess:
        env = {
            **os.environ,
            "DATABASE_URL": django_database_url(connection),
            "BROKER_URL": fresh_vhost.url(),
            "DJANGO_SECRET_KEY": "search-test-key",
            "EVENT_MAX_RETRIES": "1",
            "EVENT_RETRY_BASE_DELAY": "0.5",
            **overrides,
        }
        argv = [sys.executable, "-m", "celery", "-A", "search_site.celery", "worker", "-l", "INFO"]
        argv += ["-n", f"search-test-{len(started)}@%h", "--concurrency", "2", "--without-mingle"]
        worker = ManagedProcess(
            argv, cwd=SEARCH_DIR, env=env, log_path=tmp_path / f"worker-{len(started)}.log"
        )
        started.append(worker.start())
        return worker

    yield start
    for worker in started:
        worker.stop()
