"""App configuration of the notifications service."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """The notifications app; its receivers are connected in `ready()`."""

    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Forget cached address checks whenever a test changes the webhook settings."""
        from django.core.signals import setting_changed

        from notifications.address_guard import clear_cache_setting_changed

        setting_changed.connect(clear_cache_setting_changed, dispatch_uid="notifications.clear_address_cache")
