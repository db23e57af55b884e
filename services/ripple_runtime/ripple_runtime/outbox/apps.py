"""App configuration of the outbox."""

from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """The outbox app: the event table, the recorder and the relay command of any service."""

    name = "ripple_runtime.outbox"
    label = "outbox"  # as before the move, so existing databases keep their tables and migrations
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Event outbox"
