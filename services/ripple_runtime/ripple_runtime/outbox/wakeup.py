"""How an idle relay waits for new rows: PostgreSQL LISTEN/NOTIFY, a local doorbell, or a poll.

On PostgreSQL a statement trigger NOTIFYs the relay when rows commit. SQLite has no notifications,
so the writer rings a doorbell after commit instead: a datagram to a Unix socket in Linux's
abstract namespace, named after the database file, on which the relay of that database waits.
Ringing is best effort and never blocks; where no doorbell can be had (another relay already
holds it, or the platform has no abstract sockets) the relay polls as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import select
import socket
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


class DoorbellWakeup(PollWakeup):
    """Wake as soon as a writer of this database rings after its commit (see `ring`)."""

    def __init__(self, stop: threading.Event, address: str):
        """Bind the doorbell; raises OSError if it is taken or the platform has none."""
        super().__init__(stop)
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self._socket.bind(address)
        except OSError:
            self._socket.close()
            raise
        self._socket.setblocking(False)

    def wait(self, timeout: float) -> None:
        """Block until a ring or `timeout`; one wake-up answers every ring that queued up."""
        ready, _, _ = select.select([self._socket], [], [], timeout)
        while ready:
            try:
                self._socket.recv(64)
            except BlockingIOError:
                break

    def close(self) -> None:
        """Release the doorbell (the kernel also does when the process dies)."""
        self._socket.close()


def doorbell_address(alias: str = "default") -> str:
    """The abstract socket name of the doorbell of this database (the same in every process)."""
    name = str(connections[alias].settings_dict["NAME"])
    if os.path.exists(name):
        name = os.path.realpath(name)
    return "\0ripple-outbox-" + hashlib.sha256(name.encode()).hexdigest()[:24]


def ring(address: str) -> None:
    """Tell the relay waiting on `address` that outbox rows were committed; never blocks or fails."""
    # No relay listening, or its queue full (it is awake then): nothing to do, it polls anyway.
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as bell, contextlib.suppress(OSError):
        bell.setblocking(False)
        bell.sendto(b"!", address)


def wakeup_for(stop: threading.Event, alias: str = "default") -> PollWakeup:
    """The best wake-up the database offers."""
    if connections[alias].vendor == "postgresql":
        return PostgresWakeup(stop, alias)
    try:
        return DoorbellWakeup(stop, doorbell_address(alias))
    except OSError as exc:
        log.info("no outbox doorbell (%s): polling every interval", exc)
        return PollWakeup(stop)
