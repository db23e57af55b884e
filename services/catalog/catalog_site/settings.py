"""Catalog settings: every value comes from the environment, with defaults safe for a bare machine."""

from pathlib import Path

import environ

from ripple_runtime import service_settings

BASE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BASE_DIR.parent.parent

env = environ.Env()

RIPPLE_SERVICE = "catalog"
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = service_settings.secret_key(DEBUG)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

VAR_DIR = Path(env.str("RIPPLE_VAR_DIR", default=str(REPO_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "ripple_runtime.adminuser",
    "ripple_runtime.inbox",
    "ripple_runtime.outbox",
    "catalog",
    "ledger",
]

MIDDLEWARE = service_settings.middleware("catalog.request_context.RequestContextMiddleware")

ROOT_URLCONF = "catalog_site.urls"
WSGI_APPLICATION = "catalog_site.wsgi.application"

TEMPLATES = service_settings.admin_templates()

DATABASES = {"default": service_settings.database(VAR_DIR / "catalog.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = service_settings.storages()
WHITENOISE_USE_FINDERS = DEBUG
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)
MEDIA_MAX_UPLOAD_BYTES = env.int("MEDIA_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o644

REST_FRAMEWORK = service_settings.rest_framework(
    DEFAULT_PERMISSION_CLASSES=["rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"],
    DEFAULT_FILTER_BACKENDS=[
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
)
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=500)
BULK_DELETE_MAX_PRODUCTS = env.int("BULK_DELETE_MAX_PRODUCTS", default=10_000)

SPECTACULAR_SETTINGS = service_settings.spectacular(
    "Ripple catalog API", "Products, categories and media; every delete becomes an event on RabbitMQ."
)

BROKER_URL = service_settings.broker_url()
OUTBOX = service_settings.outbox()
# The catalog's worker folds every service's receipts into the deletion ledger.
CELERY_BROKER_URL = BROKER_URL
CELERY_WORKER_CONCURRENCY = env.int("WORKER_CONCURRENCY", default=2)
EVENT_RETRY = service_settings.event_retry()
RETENTION = service_settings.retention()  # what the worker prunes, and when (ripple_runtime.retention)
# Every delete opens a deletion in the ledger and services answer with receipts (0: neither).
LEDGER_ENABLED = env.bool("LEDGER_ENABLED", default=True)
# A deletion still pending this long after it was requested is flagged overdue.
LEDGER_OVERDUE_SECONDS = env.int("LEDGER_OVERDUE_SECONDS", default=300)
# While receipts stream in, the catalog worker folds what arrived at most this often, in one task
# (the first receipt after a quiet spell goes on at once): each fold locks the deletion's row.
LEDGER_FLUSH_SECONDS = service_settings.ledger_flush_seconds()

LOGGING = service_settings.logging_config(RIPPLE_SERVICE)

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
# What the worker's /metrics adds to the runtime's gauges (ripple_runtime.metrics.scrape).
METRICS_QUESTIONS = ["ledger.metrics.open_deletions"]
