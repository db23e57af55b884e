"""Settings every Ripple service reads the same way: secret key, database, logging, Celery.

Each service's settings.py calls these with its own defaults, so the rules (no default secret
outside debug, SQLite tuned for a relay or worker beside the API, one log format) live once.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

from ripple_runtime import retry
from ripple_runtime.retry import RetryPolicy
from ripple_runtime.tracing import logs

env = environ.Env()

DEV_SECRET_KEY = "insecure-development-key-only-used-with-DJANGO_DEBUG"  # noqa: S105


def secret_key(debug: bool) -> str:
    """DJANGO_SECRET_KEY, required unless DJANGO_DEBUG is on."""
    key = env.str("DJANGO_SECRET_KEY", default="")
    if key:
        return key
    if debug:
        return DEV_SECRET_KEY
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. Set it (or DJANGO_DEBUG=1 for local development)."
    )


def database(default_sqlite_path: Path, *, atomic_requests: bool = True) -> dict[str, Any]:
    """DATABASE_URL (SQLite file by default) with settings that suit a web process beside workers."""
    db = env.db_url("DATABASE_URL", default=f"sqlite:///{default_sqlite_path}")
    db["ATOMIC_REQUESTS"] = atomic_requests
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers and one writer work at once; IMMEDIATE avoids lock upgrades mid-transaction.
        db.setdefault("OPTIONS", {}).update(
            {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            }
        )
    # Kept open between requests and tasks (a new one each time costs a PostgreSQL backend), and
    # checked before its first use in each.
    db["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    db["CONN_HEALTH_CHECKS"] = True
    return db


def logging_config(service: str) -> dict[str, Any]:
    """Logs on stderr as LOG_FORMAT says (text, json), level from LOG_LEVEL (ripple_runtime.tracing.logs)."""
    return logs.logging_config(
        service, env.str("LOG_FORMAT", default="text"), env.str("LOG_LEVEL", default="INFO")
    )


def broker_url() -> str:
    """BROKER_URL: the RabbitMQ every process of a service talks to."""
    return env.str("BROKER_URL", default="amqp://guest:guest@127.0.0.1:5672//")


def event_retry() -> RetryPolicy:
    """How a consuming service retries failed events: EVENT_MAX_RETRIES, EVENT_RETRY_BASE_DELAY/MAX_DELAY."""
    return replace(
        retry.EVENT_RETRY,
        max_retries=env.int("EVENT_MAX_RETRIES", default=retry.EVENT_RETRY.max_retries),
        base_delay=env.float("EVENT_RETRY_BASE_DELAY", default=retry.EVENT_RETRY.base_delay),
        max_delay=env.float("EVENT_RETRY_MAX_DELAY", default=retry.EVENT_RETRY.max_delay),
    )


def consumer_flush_seconds() -> float:
    """How long the consumer step holds a partial batch of events before handing it to its task.

    CONSUMER_FLUSH_SECONDS (0.05 s); an event after a quiet spell goes on at once
    (ripple_runtime.messaging.consumer).
    """
    return above_zero("CONSUMER_FLUSH_SECONDS", env.float("CONSUMER_FLUSH_SECONDS", default=0.05))


def ledger_flush_seconds() -> float:
    """The same for the catalog worker's receipts: LEDGER_FLUSH_SECONDS (0.5 s).

    Each fold of receipts locks the deletion's row, so while a purge's receipts stream in they are
    folded in a few large batches; the first receipt after a quiet spell still goes on at once.
    """
    return above_zero("LEDGER_FLUSH_SECONDS", env.float("LEDGER_FLUSH_SECONDS", default=0.5))


def relay_backoff() -> RetryPolicy:
    """How long a relay waits between attempts to reach the broker: up to OUTBOX_MAX_BACKOFF seconds."""
    return replace(
        retry.RELAY_BACKOFF, max_delay=env.float("OUTBOX_MAX_BACKOFF", default=retry.RELAY_BACKOFF.max_delay)
    )


def delivery_schedule() -> tuple[int, ...]:
    """NOTIFICATIONS_RETRY_SCHEDULE: the delays between delivery attempts (their number is the cap)."""
    return tuple(env.list("NOTIFICATIONS_RETRY_SCHEDULE", cast=int, default=list(retry.DELIVERY_SCHEDULE)))


def outbox() -> dict[str, Any]:
    """How a service's relay claims, waits, keeps and reports its outbox (OUTBOX_* variables)."""
    return {
        "BATCH_SIZE": env.int("OUTBOX_BATCH_SIZE", default=2000),
        "POLL_INTERVAL": env.float("OUTBOX_POLL_INTERVAL", default=1.0),
        "RETENTION_HOURS": env.int("OUTBOX_RETENTION_HOURS", default=7 * 24),
        "HEARTBEAT_RETENTION_HOURS": env.int("OUTBOX_HEARTBEAT_RETENTION_HOURS", default=24),
        "CLAIM_SECONDS": env.int("OUTBOX_CLAIM_SECONDS", default=60),
        "BACKLOG_WARNING_SECONDS": env.int("OUTBOX_BACKLOG_WARNING_SECONDS", default=60),
        "MAX_ATTEMPTS": above_zero(
            "OUTBOX_MAX_ATTEMPTS", env.int("OUTBOX_MAX_ATTEMPTS", default=retry.OUTBOX_MAX_ATTEMPTS)
        ),
        "TAKEOVER_SECONDS": above_zero(
            "OUTBOX_TAKEOVER_SECONDS", env.float("OUTBOX_TAKEOVER_SECONDS", default=3.0)
        ),
        # A consuming service's worker runs the relay of its receipts (ripple_runtime.outbox.worker_step).
        "RELAY_IN_WORKER": env.bool("OUTBOX_RELAY_IN_WORKER", default=True),
    }


def audit() -> dict[str, Any]:
    """How `manage.py audit` runs: its schedule in the worker (0: never) and its grace (AUDIT_* variables)."""
    return {
        "EVERY_SECONDS": env.float("AUDIT_EVERY_SECONDS", default=0.0),
        # What changed less than this before the audit began is left alone (uploads in flight, clocks).
        "GRACE_SECONDS": env.float("AUDIT_GRACE_SECONDS", default=300.0),
    }


INBOX_MIN_DAYS = 7


def retention() -> dict[str, Any]:
    """How long a service keeps what it keeps, and how its worker prunes the rest (RETENTION_* variables).

    The inbox must outlive every way a copy of an event can still arrive, the slowest being a
    dead letter redriven by hand: a shorter inbox would let that copy take effect twice. Hence
    30 days by default, and never under a week (README: retention).
    """
    config = {
        "PRUNE_EVERY_SECONDS": env.float("RETENTION_PRUNE_EVERY_SECONDS", default=3600.0),
        "BATCH_SIZE": above_zero("RETENTION_BATCH_SIZE", env.int("RETENTION_BATCH_SIZE", default=5000)),
        "ROUND_LIMIT": above_zero("RETENTION_ROUND_LIMIT", env.int("RETENTION_ROUND_LIMIT", default=100_000)),
        "INBOX_DAYS": env.int("RETENTION_INBOX_DAYS", default=30),
        "DELIVERY_DAYS": above_zero(
            "RETENTION_DELIVERY_DAYS", env.int("RETENTION_DELIVERY_DAYS", default=30)
        ),
        "DELETED_FILE_DAYS": above_zero(
            "RETENTION_DELETED_FILE_DAYS", env.int("RETENTION_DELETED_FILE_DAYS", default=90)
        ),
    }
    if config["INBOX_DAYS"] < INBOX_MIN_DAYS:
        raise ImproperlyConfigured(
            f"RETENTION_INBOX_DAYS must be at least {INBOX_MIN_DAYS}, not {config['INBOX_DAYS']}: the inbox "
            "must remember an event for longer than a dead letter may wait to be redriven"
        )
    if config["PRUNE_EVERY_SECONDS"] < 0:
        raise ImproperlyConfigured("RETENTION_PRUNE_EVERY_SECONDS must be 0 (never) or more")
    return config


def above_zero(name: str, value: int | float) -> int | float:
    """The value of the variable `name`, refused with a clear error unless it is above zero."""
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be above zero, not {value}")
    return value


def middleware(*after_whitenoise: str) -> list[str]:
    """Request metrics, then Django's usual middleware with WhiteNoise; a service may add its own."""
    return [
        "ripple_runtime.metrics.middleware.RequestMetricsMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
        *after_whitenoise,
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]


def admin_templates() -> list[dict[str, Any]]:
    """Templates as the admin and DRF's browsable pages need them."""
    return [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [],
            "APP_DIRS": True,
            "OPTIONS": {
                "context_processors": [
                    "django.template.context_processors.request",
                    "django.contrib.auth.context_processors.auth",
                    "django.contrib.messages.context_processors.messages",
                ]
            },
        }
    ]


def storages() -> dict[str, Any]:
    """Files on the local file system, static files compressed and served by WhiteNoise."""
    return {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }


def rest_framework(**overrides: Any) -> dict[str, Any]:
    """DRF as every Ripple API uses it: token auth, JSON bodies, bounded pages, JSON errors (`detail`)."""
    return {
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "rest_framework.authentication.TokenAuthentication",
            "rest_framework.authentication.SessionAuthentication",
        ],
        "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],  # uploads set their own
        "TEST_REQUEST_DEFAULT_FORMAT": "json",
        "DEFAULT_PAGINATION_CLASS": "ripple_runtime.web.pagination.BoundedPageNumberPagination",
        "PAGE_SIZE": 50,
        "EXCEPTION_HANDLER": "ripple_runtime.web.errors.json_exception_handler",
        "NON_FIELD_ERRORS_KEY": "errors",
        "DEFAULT_SCHEMA_CLASS": "ripple_runtime.web.openapi.RippleAutoSchema",
        **overrides,
    }


def spectacular(title: str, description: str) -> dict[str, Any]:
    """drf-spectacular as every Ripple API uses it: tags per resource, Swagger UI served locally."""
    return {
        "TITLE": title,
        "DESCRIPTION": description,
        "VERSION": "1.0.0",
        "SERVE_INCLUDE_SCHEMA": False,
        "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
        "COMPONENT_SPLIT_REQUEST": True,
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
        "SWAGGER_UI_SETTINGS": {"deepLinking": True, "tryItOutEnabled": True},
    }
