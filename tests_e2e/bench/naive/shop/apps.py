"""The app config: connects the `post_delete` receivers once Django is ready."""

from django.apps import AppConfig


class ShopConfig(AppConfig):
    """The naive shop."""

    name = "tests_e2e.bench.naive.shop"
    label = "naive_shop"

    def ready(self):
        """Load the Celery app (so `delay()` uses its broker in every process) and connect the receivers."""
        from tests_e2e.bench.naive import celery  # noqa: F401
        from tests_e2e.bench.naive.shop import receivers  # noqa: F401
