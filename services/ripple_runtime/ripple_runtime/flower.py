"""Flower as Ripple runs it: `python -m ripple_runtime.flower [celery options] flower [flower options]`.

The same as `celery … flower`, except that `/metrics` asks for the same credentials as every
other page: upstream Flower serves it to anyone, even with basic auth on. `/healthcheck` stays
open, for container healthchecks. Prometheus scrapes Flower with `basic_auth` in its job.
"""

from __future__ import annotations

import sys

from tornado import web


def protect_metrics() -> None:
    """Swap Flower's /metrics handler for one behind its authentication, in its URL table."""
    from flower import urls
    from flower.views.monitor import Metrics

    class AuthenticatedMetrics(Metrics):
        """Flower's Prometheus metrics, for authenticated callers only."""

        @web.authenticated
        async def get(self):
            """The metrics, once `get_current_user` accepted the credentials (401 otherwise)."""
            await super().get()

    for index, route in enumerate(urls.handlers):
        if isinstance(route, tuple) and route[1] is Metrics:
            urls.handlers[index] = (route[0], AuthenticatedMetrics, *route[2:])


def main(argv: list[str]) -> None:
    """Protect /metrics, then run the celery command line with these arguments."""
    protect_metrics()
    from celery.bin.celery import main as celery_main

    sys.argv = ["celery", *argv]
    celery_main()


if __name__ == "__main__":
    main(sys.argv[1:])
