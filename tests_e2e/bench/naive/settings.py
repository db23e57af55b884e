"""Settings of the naive shop: one database, media on disk, Celery on its own vhost; from the environment."""

from __future__ import annotations

import environ

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="naive-bench-only")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["tests_e2e.bench.naive.shop"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "tests_e2e.bench.naive.urls"
WSGI_APPLICATION = "tests_e2e.bench.naive.wsgi.application"
DATABASES = {"default": env.db("DATABASE_URL")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The SQLite options Ripple's services use, so the comparison is of the pattern, not the tuning.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
MEDIA_ROOT = env("MEDIA_ROOT")
NAIVE_WEBHOOK_URL = env("NAIVE_WEBHOOK_URL")

CELERY_BROKER_URL = env("BROKER_URL")
CELERY_TASK_ROUTES = {
    "naive.delete_file": {"queue": "naive.media"},
    "naive.deindex_product": {"queue": "naive.search"},
    "naive.send_webhook": {"queue": "naive.notifications"},
}
