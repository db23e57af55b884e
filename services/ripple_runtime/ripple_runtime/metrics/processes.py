"""Which long-running process serves which scrape-time gauges: the relay, and a Celery worker.

`serve_relay(service)` is called by `manage.py relay_outbox`: its `/metrics` adds the outbox backlog.
`connect_worker(service, runs_relay)` is called once by ripple_runtime.celery.install. Once the
worker is ready (its pool forked) its main process serves `/metrics` for itself and its prefork
children, with the service's dead-letter depth, its outbox backlog if this worker runs the
service's relay, and its service's own questions (settings.METRICS_QUESTIONS: the catalog's
ledger); a prefork child that shuts down is marked dead.
"""

from __future__ import annotations

import os

from celery import signals

from ripple_runtime.metrics import exposition, scrape


def questions(runs_relay: bool) -> list[scrape.Question]:
    """What a worker's scrape asks: its dead letters, its outbox if it relays it, its service's questions."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    asked: list[scrape.Question] = [scrape.dead_letter_depth]
    if runs_relay:
        asked.append(scrape.outbox_backlog)
    return asked + [import_string(path) for path in getattr(settings, "METRICS_QUESTIONS", ())]


def serve_relay(service: str) -> None:
    """A relay process serves what it records and its service's outbox backlog."""
    exposition.serve(scrape.StateCollector(service, [scrape.outbox_backlog]))


def connect_worker(service: str, runs_relay: bool) -> None:
    """Serve the worker's metrics once it is ready; mark each prefork child dead as it shuts down."""

    def serve(**_) -> None:
        """The worker is ready: serve from its main process."""
        exposition.serve(scrape.StateCollector(service, questions(runs_relay)))

    def child_shutdown(**_) -> None:
        """In a prefork child that is shutting down: its live gauges go, its counts stay."""
        exposition.process_exited(os.getpid())

    signals.worker_ready.connect(serve, weak=False, dispatch_uid=f"ripple-metrics-serve-{service}")
    signals.worker_process_shutdown.connect(
        child_shutdown, weak=False, dispatch_uid=f"ripple-metrics-child-{service}"
    )
