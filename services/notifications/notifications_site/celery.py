"""The notifications Celery app: `celery -A notifications_site.celery worker` runs its consumer and tasks."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "notifications_site.settings")

app = Celery("notifications", include=["notifications.tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")

from notifications.service import SERVICE  # noqa: E402 - after Celery reads its settings

SERVICE.install(app)

from notifications.worker_steps import RequeueStuckDeliveries  # noqa: E402

app.steps["worker"].add(RequeueStuckDeliveries)
