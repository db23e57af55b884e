"""The media service's Celery app: `celery -A media_site.celery worker` runs its consumer and tasks."""

from ripple_runtime.celery import service_app

app = service_app("media_site.settings", "media.service.SERVICE")
