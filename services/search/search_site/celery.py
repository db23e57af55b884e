"""The search service's Celery app: `celery -A search_site.celery worker` runs its consumer and tasks."""

from ripple_runtime.celery import service_app

app = service_app("search_site.settings", "search.service.SERVICE")
