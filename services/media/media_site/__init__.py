"""The media service's Django project (settings) and Celery app (`celery -A media_site.celery`)."""
