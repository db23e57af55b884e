"""App configuration of the deletion ledger."""

from django.apps import AppConfig


class LedgerConfig(AppConfig):
    """The deletion ledger: deletions, their events and the receipts every service sends for them."""

    name = "ledger"
    default_auto_field = "django.db.models.BigAutoField"
