"""App configuration of the inbox."""

from django.apps import AppConfig


class InboxConfig(AppConfig):
    """Processed events and dead letters, shared by every consuming service."""

    name = "ripple_runtime.inbox"
    label = "ripple_inbox"  # unchanged since it lived in shared_contracts: tables and migrations stay
    verbose_name = "Event inbox"
    default_auto_field = "django.db.models.BigAutoField"
