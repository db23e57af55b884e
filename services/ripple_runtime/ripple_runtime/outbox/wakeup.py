"""How an idle relay waits for new rows: PostgreSQL LISTEN/NOTIFY, or a short poll elsewhere."""

from __future__ import annotations

import logging
import threading

from django.db import connections

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "ripple_outbox"


class PollWakeup:
    """Wait out the poll interval (SQLite has no notifications); `stop` ends the wait early."""

    def __init__(self, stop: threading.Event):
        """Share the relay's stop flag so a shutdown never waits a whole interval."""
        self.stop = stop

    def wait(self, timeout: float) -> None:
        """Sleep up to `timeout` seconds."""
        self.stop.wait(timeout)

    def close(self) -> None:
        """Nothing to release."""


class PostgresWakeup(PollWakeup):
    """Wake as soon as a transaction that inserted outbox rows commits (a statement trigger NOTIFYs)."""

    def __init__(self, stop: threading.Event, alias: str = "default"):
        """Use a dedicated connection so LISTEN survives the relay's own transactions."""
        super().__init__(stop)
        self.alias = alias
        self._conn = None

    def _listen(self):
        """Open the listening connection on first use, and again after it broke."""
        if self._conn is None or self._conn.closed:
            wrapper = connections[self.alias]
            self._conn = wrapper.get_new_connection(wrapper.get_connection_params())
            self._conn.autocommit = True
            self._conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        return self._conn

    def wait(self, timeout: float) -> None:
        """Block until a NOTIFY arrives or `timeout` passes; fall back to sleeping if PG is away."""
        try:
            conn = self._listen()
            for _ in conn.notifies(timeout=timeout, stop_after=1):
                pass
            # Swallow notifications that queued up meanwhile: one wake-up drains them all.
            for _ in conn.notifies(timeout=0.0):
                pass
        except Exception as exc:  # any driver error: the relay loop carries on polling
            log.warning("outbox LISTEN connection failed (%s); polling instead", exc)
            self.close()
            super().wait(timeout)

    def close(self) -> None:
        """Drop the listening connection."""
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn = None


def wakeup_for(stop: threading.Event, alias: str = "default") -> PollWakeup:
    """The best wake-up the database offers."""
    if connections[alias].vendor == "postgresql":
        return PostgresWakeup(stop, alias)
    return PollWakeup(stop)
