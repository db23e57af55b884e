"""The notifications service's Django project (settings, URLs) and its Celery app (`.celery`)."""
