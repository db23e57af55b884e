"""A step every Ripple worker adds to Celery's: a timer that sends the service's pruning task.

The step only sends `<service>.prune_old_rows` (ripple_runtime.retention) every
RETENTION_PRUNE_EVERY_SECONDS (0: never); the task runs in the pool, where Django is set up,
and shows in Flower like any other. While the broker is away the step logs it and tries again
at the next tick.
"""

from __future__ import annotations

import logging

from celery import bootsteps
from django.conf import settings

from ripple_runtime.retention import task_name

log = logging.getLogger(__name__)


class PruneOldRows(bootsteps.StartStopStep):
    """A worker step: every RETENTION_PRUNE_EVERY_SECONDS, send the service's pruning task."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker, **kwargs):
        """Read the schedule; nothing runs before `start`."""
        super().__init__(worker, **kwargs)
        self.every = settings.RETENTION["PRUNE_EVERY_SECONDS"]
        self.timer_entry = None

    def start(self, worker):
        """Start the timer."""
        if self.every > 0:
            self.timer_entry = worker.timer.call_repeatedly(self.every, self.send, (worker.app,))

    def stop(self, worker):
        """Cancel the timer."""
        if self.timer_entry is not None:
            self.timer_entry.cancel()

    def send(self, app) -> None:
        """Ask for one round; while the broker is away, log it and try at the next tick."""
        name = task_name(app.main)
        try:
            app.send_task(name)
        except Exception:
            log.exception("could not send %s; trying again next round", name)
