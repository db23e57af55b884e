"""The naive shop's Celery app: the three jobs of a delete, each on its own queue."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests_e2e.bench.naive.settings")

app = Celery("naive")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["tests_e2e.bench.naive.shop"])
