"""Notifications service settings, from the environment (see the README's configuration table)."""

from pathlib import Path

import environ

from ripple_runtime import service_settings

BASE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BASE_DIR.parent.parent
env = environ.Env()

RIPPLE_SERVICE = "notifications"
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
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "ripple_runtime.adminuser",
    "ripple_runtime.inbox",
    "ripple_runtime.outbox",
    "notifications",
]

MIDDLEWARE = service_settings.middleware()

ROOT_URLCONF = "notifications_site.urls"
WSGI_APPLICATION = "notifications_site.wsgi.application"
TEMPLATES = service_settings.admin_templates()

DATABASES = {"default": service_settings.database(VAR_DIR / "notifications.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static" / "notifications")))
STORAGES = service_settings.storages()
WHITENOISE_USE_FINDERS = DEBUG

REST_FRAMEWORK = service_settings.rest_framework(
    DEFAULT_PERMISSION_CLASSES=["rest_framework.permissions.DjangoModelPermissions"],
)
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=500)
SPECTACULAR_SETTINGS = service_settings.spectacular(
    "Ripple notifications API",
    "Webhook endpoints and e-mail recipients for catalog events, and the delivery log.",
)

BROKER_URL = service_settings.broker_url()
# Receipts go out through the service's own outbox, relayed by its worker.
OUTBOX = service_settings.outbox()
CELERY_BROKER_URL = BROKER_URL
CELERY_WORKER_CONCURRENCY = env.int("WORKER_CONCURRENCY", default=2)
EVENT_RETRY = service_settings.event_retry()
CONSUMER_FLUSH_SECONDS = service_settings.consumer_flush_seconds()
RETENTION = service_settings.retention()  # what the worker prunes, and when (ripple_runtime.retention)

# Webhooks: retry delays in seconds (their number caps the retries), timeout, and which targets
# may be called. Private, loopback, link-local and reserved addresses are refused unless listed.
NOTIFICATIONS_RETRY_SCHEDULE = service_settings.delivery_schedule()
NOTIFICATIONS_WEBHOOK_TIMEOUT = env.float("NOTIFICATIONS_WEBHOOK_TIMEOUT", default=10.0)
NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK = env.bool("NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK", default=DEBUG)
NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = env.list("NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS", default=[])
# First attempts go out in batches per subscriber (each retry is a task of its own); a batch hands
# what it has not tried after NOTIFICATIONS_BATCH_SECONDS to single-delivery tasks.
NOTIFICATIONS_BATCH_SIZE = env.int("NOTIFICATIONS_BATCH_SIZE", default=100)
NOTIFICATIONS_BATCH_SECONDS = env.float("NOTIFICATIONS_BATCH_SECONDS", default=20.0)
NOTIFICATIONS_ADDRESS_CACHE_SECONDS = env.float("NOTIFICATIONS_ADDRESS_CACHE_SECONDS", default=60.0)
# The worker re-queues deliveries whose task was lost: every EVERY seconds (0: never), those idle
# for IDLE seconds, at most LIMIT a round.
NOTIFICATIONS_REQUEUE_EVERY_SECONDS = env.float("NOTIFICATIONS_REQUEUE_EVERY_SECONDS", default=60.0)
NOTIFICATIONS_REQUEUE_IDLE_SECONDS = env.int("NOTIFICATIONS_REQUEUE_IDLE_SECONDS", default=900)
NOTIFICATIONS_REQUEUE_LIMIT = env.int("NOTIFICATIONS_REQUEUE_LIMIT", default=1000)
NOTIFICATIONS_SECRET_ROTATION_GRACE_SECONDS = env.int(
    "NOTIFICATIONS_SECRET_ROTATION_GRACE_SECONDS", default=86400
)

# E-mail through SMTP: Mailpit on 127.0.0.1:1025 natively and in compose.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=1025)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Ripple <notifications@ripple.localhost>")

LOGGING = service_settings.logging_config(RIPPLE_SERVICE)

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
