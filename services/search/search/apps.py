"""App configuration of the search service."""

from django.apps import AppConfig


class SearchConfig(AppConfig):
    """The search app: documents, tombstones and the full-text index over them."""

    name = "search"
    default_auto_field = "django.db.models.BigAutoField"
