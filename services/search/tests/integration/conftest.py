"""The search worker as a real `celery -A search_site.celery worker` process on the test database."""

import pytest
from django.db import connection

from ripple_testing.entrypoints import ripple_processes
from ripple_testing.processes import django_database_url


@pytest.fixture
def start_worker(fresh_vhost, tmp_path, settings):
    """Start search workers (`ripple.sh search worker`) on this test's database and vhost."""
    settings.BROKER_URL = fresh_vhost.url()  # for `manage.py deadletters` run in the test
    env = {
        "DATABASE_URL": django_database_url(connection),
        "BROKER_URL": fresh_vhost.url(),
        "DJANGO_SECRET_KEY": "search-test-key",
        "EVENT_MAX_RETRIES": "1",
        "EVENT_RETRY_BASE_DELAY": "0.5",
    }
    with ripple_processes("search", env, tmp_path) as start:
        yield start
