"""App configuration of the inbox."""

from django.apps import AppConfig


class InboxConfig(AppConfig):
    """Processed events and dead letters, shared by every consuming service."""

    name = "shared_contracts.messaging.inbox"
    label = "ripple_inbox"
    verbose_name = "Event inbox"
    default_auto_field = "django.db.models.BigAutoField"
