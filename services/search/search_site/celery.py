"""The search service's Celery app: `celery -A search_site.celery worker` runs consumer, tasks, audits."""

from ripple_runtime.audit import schedule
from ripple_runtime.celery import service_app

app = service_app("search_site.settings", "search.service.SERVICE")
schedule.install(app)  # `manage.py audit --fix` every AUDIT_EVERY_SECONDS (0: never)
