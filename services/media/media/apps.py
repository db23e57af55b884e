"""App configuration of the media service."""

from django.apps import AppConfig


class MediaConfig(AppConfig):
    """The media app."""

    name = "media"
    default_auto_field = "django.db.models.BigAutoField"
