"""Search service settings, from the environment (see the README's configuration table)."""

from pathlib import Path

import environ

from ripple_runtime import service_settings

BASE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BASE_DIR.parent.parent
env = environ.Env()

RIPPLE_SERVICE = "search"
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = service_settings.secret_key(DEBUG)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
VAR_DIR = Path(env.str("RIPPLE_VAR_DIR", default=str(REPO_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "ripple_runtime.inbox",
    "ripple_runtime.outbox",
    "search",
    "django.contrib.staticfiles",  # after search, whose runserver (on port 8001) wins
]

MIDDLEWARE = [
    "ripple_runtime.metrics.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
]
# Swagger UI's page and its assets (served by WhiteNoise, collected by the migrate role).
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static" / "search")))
STORAGES = service_settings.storages()
WHITENOISE_USE_FINDERS = DEBUG

ROOT_URLCONF = "search_site.urls"
WSGI_APPLICATION = "search_site.wsgi.application"
APPEND_SLASH = False

# Reads only; no request-wide transaction (on SQLite it would take the write lock from the worker).
DATABASES = {"default": service_settings.database(VAR_DIR / "search.sqlite3", atomic_requests=False)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "ripple_runtime.web.errors.json_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "ripple_runtime.web.openapi.RippleAutoSchema",
}
SPECTACULAR_SETTINGS = service_settings.spectacular(
    "Ripple search API", "Full-text search over the catalog's products, kept current by its events."
)
SEARCH_PAGE_SIZE = env.int("SEARCH_PAGE_SIZE", default=20)
SEARCH_MAX_PAGE_SIZE = 100
SEARCH_MAX_QUERY_LENGTH = 200

# Where `manage.py reindex` and `manage.py audit` read products from (the catalog API), and how patiently.
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

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
