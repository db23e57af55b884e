"""A worker step that sends one task on the worker's timer: the one way Ripple runs periodic work.

Each periodic job (pruning old rows, re-queueing idle deliveries, the scheduled audit) is a
task that runs in the pool, where Django is set up, and shows in Flower like any other. The
step only sends it, every N seconds as a setting says (0: never), so a worker needs no beat
process. While the broker is away the step logs it and tries again at the next tick.

    app.steps["worker"].add(periodic.task_step("PruneOldRows", "media.prune_old_rows",
                                               lambda: settings.RETENTION["PRUNE_EVERY_SECONDS"]))
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import bootsteps

log = logging.getLogger(__name__)


class PeriodicTaskStep(bootsteps.StartStopStep):
    """Send `task_name` every `seconds()` seconds (0: never); `task_step` makes the concrete steps."""

    requires = ("celery.worker.components:Timer",)
    task_name: str
    seconds: Callable[[], float]

    def __init__(self, worker, **kwargs):
        """Read the interval (Django's settings are ready when the worker builds its steps)."""
        super().__init__(worker, **kwargs)
        self.every = type(self).seconds()
        self.timer_entry = None

    def start(self, worker):
        """Start the timer, unless the interval is 0."""
        if self.every > 0:
            self.timer_entry = worker.timer.call_repeatedly(self.every, self.send, (worker.app,))

    def stop(self, worker):
        """Cancel the timer."""
        if self.timer_entry is not None:
            self.timer_entry.cancel()

    def send(self, app) -> None:
        """Ask for one round; while the broker is away, log it and try at the next tick."""
        try:
            app.send_task(self.task_name)
        except Exception:
            log.exception("could not send %s; trying again next round", self.task_name)


def task_step(step_name: str, task_name: str, seconds: Callable[[], float]) -> type[PeriodicTaskStep]:
    """A worker step class named `step_name` that sends `task_name` every `seconds()` seconds.

    Celery keys a blueprint's steps by name, so each periodic job gets a class of its own.
    """
    return type(PeriodicTaskStep)(
        step_name,
        (PeriodicTaskStep,),
        {
            "__module__": __name__,
            "__doc__": f"A worker step: send {task_name} on the worker's timer.",
            "task_name": task_name,
            "seconds": staticmethod(seconds),
        },
    )
