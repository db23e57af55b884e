"""The notifications Celery app: `celery -A notifications_site.celery worker` runs its consumer and tasks.

Besides every service's steps, its workers send `notifications.requeue_idle_deliveries` on their
timer (every NOTIFICATIONS_REQUEUE_EVERY_SECONDS, 0: never), which re-queues lost deliveries.
"""

from django.conf import settings

from ripple_runtime import periodic
from ripple_runtime.celery import service_app

app = service_app(
    "notifications_site.settings",
    "notifications.service.SERVICE",
    include=["notifications.tasks", "notifications.requeue"],
)
app.steps["worker"].add(
    periodic.task_step(
        "RequeueStuckDeliveries",
        "notifications.requeue_idle_deliveries",
        lambda: settings.NOTIFICATIONS_REQUEUE_EVERY_SECONDS,
    )
)
