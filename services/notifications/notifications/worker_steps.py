"""Steps the notifications worker adds to Celery's: re-queueing deliveries whose task was lost.

This module is imported with the Celery app, before Django has loaded its apps, so it imports no
models; the step reaches them only when it runs.
"""

from __future__ import annotations

import logging

from celery import bootsteps
from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)


class RequeueStuckDeliveries(bootsteps.StartStopStep):
    """A worker step: requeue idle deliveries every NOTIFICATIONS_REQUEUE_EVERY_SECONDS."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker, **kwargs):
        """Read the schedule; nothing runs before `start`."""
        super().__init__(worker, **kwargs)
        self.every = settings.NOTIFICATIONS_REQUEUE_EVERY_SECONDS
        self.timer_entry = None

    def start(self, worker):
        """Run on the worker's own timer (0 switches it off)."""
        if self.every > 0:
            self.timer_entry = worker.timer.call_repeatedly(self.every, self.run)

    def stop(self, worker):
        """Cancel the timer."""
        if self.timer_entry is not None:
            self.timer_entry.cancel()

    def run(self) -> None:
        """One bounded round; a failure is logged and the next round tries again."""
        try:
            from notifications.requeue import requeue_idle  # models load once Django is set up

            count = requeue_idle(
                settings.NOTIFICATIONS_REQUEUE_IDLE_SECONDS, limit=settings.NOTIFICATIONS_REQUEUE_LIMIT
            )
            if count:
                log.warning("requeued %d deliveries whose task was lost", count)
        except Exception:
            log.exception("requeueing idle deliveries failed; trying again next round")
        finally:
            close_old_connections()
