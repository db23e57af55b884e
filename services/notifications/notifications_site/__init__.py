"""The notifications service's Django project (settings, URLs) and Celery app (`celery -A notifications_site.celery`)."""
