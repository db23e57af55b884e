"""App configuration of the outbox."""

from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """The outbox app: the event table, the recorder and the relay command."""

    name = "outbox"
    verbose_name = "Event outbox"
