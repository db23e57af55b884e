"""The catalog's Celery app: `celery -A catalog_site.celery worker` folds receipts into the ledger."""

from ripple_runtime.celery import service_app

app = service_app("catalog_site.settings", "catalog.service.SERVICE")
