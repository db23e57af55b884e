"""The search service's Celery app: `celery -A search_site.celery worker` runs its consumer and tasks."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "search_site.settings")

app = Celery("search")
app.config_from_object("django.conf:settings", namespace="CELERY")

from search.service import SERVICE  # noqa: E402 - after Celery reads its settings

SERVICE.install(app)
