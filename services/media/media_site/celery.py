"""The media service's Celery app: `celery -A media_site worker` runs its consumer and tasks."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "media_site.settings")

app = Celery("media")
app.config_from_object("django.conf:settings", namespace="CELERY")

from media.service import SERVICE  # noqa: E402 - after Celery reads its settings

SERVICE.install(app)
