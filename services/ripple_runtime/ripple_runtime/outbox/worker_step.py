"""The relay of a consuming service, run as a thread inside its Celery worker.

A consuming service writes receipts into its own outbox; its worker publishes them, so no
service needs a relay process of its own besides the catalog. The thread runs the same
`OutboxRelay` as `manage.py relay_outbox`, starts with the worker and stops with it
(OUTBOX_RELAY_IN_WORKER=0 turns it off, e.g. when a separate relay process runs instead).
"""

from __future__ import annotations

import logging
import threading

from celery import bootsteps
from django.conf import settings

log = logging.getLogger(__name__)


class OutboxRelayStep(bootsteps.StartStopStep):
    """Publish this service's outbox from the worker's main process, in a thread of its own."""

    def __init__(self, worker, **kwargs):
        """Nothing runs until `start`."""
        super().__init__(worker, **kwargs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, worker) -> None:
        """Start the relay thread (settings are read here, once Django is set up)."""
        # Imported here: the Celery app module is imported before Django has loaded its apps.
        from ripple_runtime.outbox.relay import OutboxRelay, RelaySettings, publisher_for
        from ripple_runtime.outbox.wakeup import wakeup_for

        if not settings.OUTBOX.get("RELAY_IN_WORKER", True):
            log.info("outbox relay in the worker is off (OUTBOX_RELAY_IN_WORKER=0)")
            return
        relay_settings = RelaySettings.from_django_settings()
        self._stop.clear()
        relay = OutboxRelay(
            publisher_for(relay_settings.service, settings.BROKER_URL),
            wakeup_for(self._stop),
            self._stop,
            relay_settings,
        )
        self._thread = threading.Thread(target=relay.run, name="ripple-outbox-relay", daemon=True)
        self._thread.start()

    def stop(self, worker) -> None:
        """Ask the relay to stop and wait a little for it to settle what it sent."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    shutdown = stop
