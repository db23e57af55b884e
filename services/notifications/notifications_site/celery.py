"""The notifications Celery app: `celery -A notifications_site.celery worker` runs its consumer and tasks."""

from ripple_runtime.celery import service_app

app = service_app(
    "notifications_site.settings",
    "notifications.service.SERVICE",
    include=["notifications.tasks", "notifications.requeue"],
)

from notifications.worker_steps import RequeueStuckDeliveries  # noqa: E402 - once the app is set up

app.steps["worker"].add(RequeueStuckDeliveries)
