"""The relay of a consuming service, run by its Celery worker as a supervised child process.

A consuming service writes receipts into its own outbox; its worker publishes them, so no
service needs a relay process of its own to deploy besides the catalog. The worker starts
`manage.py relay_outbox` of its own service beside its pool, restarts it if it dies (after a
short pause) and stops it on shutdown (OUTBOX_RELAY_IN_WORKER=0 turns this off, e.g. when a
separate relay process runs instead).

A process, not a thread: the prefork pool forks its children from the worker's main process,
and a thread inside a database driver at that moment (SQLite's global locks, for one) would
leave every child hanging on its first query.
"""

from __future__ import annotations

import importlib
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

from celery import bootsteps
from django.conf import settings

from ripple_runtime.metrics import exposition

log = logging.getLogger(__name__)
CHECK_EVERY = 2.0
RESTART_PAUSE = 5.0


def relay_command() -> tuple[list[str], Path]:
    """`python -m django relay_outbox` of this service, and the service's folder to run it in.

    The child inherits the worker's environment, its settings module included; run from the
    folder that holds that module, `-m` puts it on the path.
    """
    package = importlib.import_module(settings.SETTINGS_MODULE.split(".")[0])
    return [sys.executable, "-m", "django", "relay_outbox"], Path(package.__file__).resolve().parent.parent


class OutboxRelayStep(bootsteps.StartStopStep):
    """Keep one `relay_outbox` child running for as long as the worker runs."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker, **kwargs):
        """Nothing runs until `start`."""
        super().__init__(worker, **kwargs)
        self._process: subprocess.Popen | None = None
        self._timer = None
        self._died_at = 0.0
        self._stopping = False

    def start(self, worker) -> None:
        """Start the relay and check on it every few seconds."""
        if not settings.OUTBOX.get("RELAY_IN_WORKER", True):
            log.info("outbox relay in the worker is off (OUTBOX_RELAY_IN_WORKER=0)")
            return
        self._stopping = False
        self._spawn()
        self._timer = worker.timer.call_repeatedly(CHECK_EVERY, self._supervise)

    def _spawn(self) -> None:
        """Start the relay child."""
        command, folder = relay_command()
        self._process = subprocess.Popen(command, cwd=folder, env=exposition.child_environment())
        log.info("started the outbox relay of %s (pid %d)", settings.RIPPLE_SERVICE, self._process.pid)

    def _supervise(self) -> None:
        """Restart the relay if it exited, after a pause so a crash loop stays slow."""
        if self._stopping or self._process is None or self._process.poll() is None:
            return
        if not self._died_at:
            self._died_at = time.monotonic()
            log.error("the outbox relay exited with %s; restarting it", self._process.returncode)
            exposition.process_exited(self._process.pid)
        if time.monotonic() - self._died_at >= RESTART_PAUSE:
            self._died_at = 0.0
            self._spawn()

    def stop(self, worker) -> None:
        """Stop the relay (SIGTERM: it settles what it sent), waiting a little for it."""
        self._stopping = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    shutdown = stop
