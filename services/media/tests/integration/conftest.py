"""The media worker as a real `celery -A media_site.celery worker` process on the test database."""

import pytest
from django.db import connection

from ripple_testing.entrypoints import ripple_processes
from ripple_testing.processes import django_database_url


@pytest.fixture
def start_worker(fresh_vhost, media_root, tmp_path):
    """Start media workers (`ripple.sh media worker`) on this test's database, vhost and media root."""
    env = {
        "DATABASE_URL": django_database_url(connection),
        "BROKER_URL": fresh_vhost.url(),
        "MEDIA_ROOT": str(media_root),
        "DJANGO_SECRET_KEY": "media-test-key",
        "EVENT_MAX_RETRIES": "2",
        "EVENT_RETRY_BASE_DELAY": "1",
    }
    with ripple_processes("media", env, tmp_path) as start:
        yield start
