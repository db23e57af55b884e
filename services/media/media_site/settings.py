"""Media service settings, from the environment (see the README's configuration table)."""

from pathlib import Path

import environ

from ripple_runtime import service_settings

BASE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BASE_DIR.parent.parent
env = environ.Env()

RIPPLE_SERVICE = "media"
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = service_settings.secret_key(DEBUG)
ALLOWED_HOSTS: list[str] = []
VAR_DIR = Path(env.str("RIPPLE_VAR_DIR", default=str(REPO_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "ripple_runtime.inbox",
    "ripple_runtime.outbox",
    "media",
]

DATABASES = {"default": service_settings.database(VAR_DIR / "media.sqlite3", atomic_requests=False)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# The catalog's storage: the same folder natively, the same volume in compose.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}

# `manage.py audit` reads the live storage keys from the catalog's audit API (see ripple_runtime.audit).
CATALOG_API_URL = env.str("CATALOG_API_URL", default="http://127.0.0.1:8000")
CATALOG_API_TOKEN = env.str("CATALOG_API_TOKEN", default="")
CATALOG_API_TIMEOUT = env.float("CATALOG_API_TIMEOUT", default=10.0)
AUDIT = service_settings.audit()

BROKER_URL = service_settings.broker_url()
# Receipts go out through the service's own outbox, relayed by its worker.
OUTBOX = service_settings.outbox()
CELERY_BROKER_URL = BROKER_URL
CELERY_WORKER_CONCURRENCY = env.int("WORKER_CONCURRENCY", default=2)
EVENT_RETRY = service_settings.event_retry()
CONSUMER_FLUSH_SECONDS = service_settings.consumer_flush_seconds()
RETENTION = service_settings.retention()  # what the worker prunes, and when (ripple_runtime.retention)

LOGGING = service_settings.logging_config(RIPPLE_SERVICE)
