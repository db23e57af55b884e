"""Steps the notifications worker adds to Celery's: a timer that asks for lost deliveries to be re-queued.

The step only sends the `notifications.requeue_idle_deliveries` task (notifications.requeue) on
the worker's timer; the task does the work in the pool, where Django is set up, and shows in
Flower like any other. The step imports nothing of the service, so no import circle.
"""

from __future__ import annotations

import logging

from celery import bootsteps
from django.conf import settings

log = logging.getLogger(__name__)
REQUEUE_TASK = "notifications.requeue_idle_deliveries"


class RequeueStuckDeliveries(bootsteps.StartStopStep):
    """A worker step: every NOTIFICATIONS_REQUEUE_EVERY_SECONDS (0: never), send the requeue task."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker, **kwargs):
        """Read the schedule; nothing runs before `start`."""
        super().__init__(worker, **kwargs)
        self.every = settings.NOTIFICATIONS_REQUEUE_EVERY_SECONDS
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
        try:
            app.send_task(REQUEUE_TASK)
        except Exception:
            log.exception("could not send %s; trying again next round", REQUEUE_TASK)
