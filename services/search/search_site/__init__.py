"""The search service's Django project (settings, URLs) and Celery app (`celery -A search_site.celery`)."""
