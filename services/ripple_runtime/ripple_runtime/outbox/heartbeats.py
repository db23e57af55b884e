"""Relay heartbeats: each running relay's word that it is alive, and what live relays do with dead ones.

A relay writes its heartbeat every HEARTBEAT_EVERY second from a thread of its own, so a relay
waiting for the broker's confirms still beats. Host names and pids alone say little about who is
alive: a recreated container has a new host name, one restarted in place the same, every
container's relay may be pid 1, and containers on host networking share the host's name. So
"the same host" means the same pid space: the same kernel boot and pid namespace (`pid_namespace`,
written with each heartbeat), the only place where a pid names one process. The rule, checked
by every running relay once a second (and at its start), for its own service only:

- a relay that starts frees the claims still held under its own relay id (`host:pid`): whoever
  held that id before is dead, since a live process now holds it (a container restarted in
  place keeps its host name and usually its pid, so its old claims are freed at once);
- a relay in the same pid space whose pid no longer runs is dead: its claims are freed at once
  (a native restart, a relay beside others in one container). A reused pid looks alive, and
  then the next rule applies;
- anywhere else (another host or container), a relay whose heartbeat is older than
  OUTBOX_TAKEOVER_SECONDS (3 s, three missed beats) is dead: its claims are freed then.

A dead relay's heartbeat is stamped `released_at` once its claims are freed, as a relay stamps its
own when it stops, so each is handled once. Heartbeats
are stamped and compared with the database's clock, so hosts whose clocks disagree still agree
on who is silent. Two live relays never take each other's rows: a live relay's pid runs and its
heartbeat is never that old. One that stalls for longer (a frozen VM, SIGSTOP, a database that
does not take its heartbeat) may find its rows taken and published by another; consumers'
inboxes absorb that second copy. Processes that write no heartbeat (`relay_outbox --once`) keep
their claims until the lease (OUTBOX_CLAIM_SECONDS) expires.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta

from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.utils import timezone

from ripple_runtime.outbox.models import OutboxEvent, RelayHeartbeat

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = 1.0


def current_pid_namespace() -> str:
    """The kernel boot and pid namespace of this process, e.g. `<boot id>:4026531836`; "" where unknown."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as boot:
            return f"{boot.read().strip()}:{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:  # not Linux: no pid is trusted, silence alone tells
        return ""


PID_NAMESPACE = current_pid_namespace()


def pid_runs(relay_id: str) -> bool:
    """Does the pid of a relay id (`host:pid`) of this pid space name a running process?"""
    try:
        pid = int(relay_id.rsplit(":", 1)[1])
        os.kill(pid, 0)
    except (IndexError, ValueError):
        return True  # not a pid we can read: assume alive, let silence decide
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # a process of another user holds that pid now
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Has the process exited, waiting only for its parent to reap it (state Z in /proc)?"""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


class Heartbeat:
    """One relay's heartbeat: written on demand, and every HEARTBEAT_EVERY second while `beating()`."""

    def __init__(self, relay_id: str, service: str, state: Callable[[], tuple[str, int]]):
        """`state()` gives the relay's broker error ("" when connected) and how many events it published."""
        self.relay_id = relay_id
        self.service = service
        self.state = state
        self._failing = False

    def write(self, *, released: bool = False) -> None:
        """Write it now (`released`: the last one, its claims given back).

        A database that does not answer is logged once per outage, not once a beat.
        """
        broker_error, published_total = self.state()
        try:
            beat(
                self.relay_id,
                self.service,
                broker_error=broker_error,
                published_total=published_total,
                released=released,
            )
        except DatabaseError:
            if not self._failing:
                log.warning("could not write the relay heartbeat; trying every second", exc_info=True)
            self._failing = True
            close_old_connections()  # a broken connection is replaced at the next beat
            return
        if self._failing:
            log.info("writing the relay heartbeat again")
        self._failing = False

    @contextlib.contextmanager
    def beating(self) -> Iterator[None]:
        """Beat from a thread of its own for as long as the block runs."""
        stop = threading.Event()
        thread = threading.Thread(target=self._beat_until, args=(stop,), name="relay-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _beat_until(self, stop: threading.Event) -> None:
        """The thread's loop: a beat every HEARTBEAT_EVERY second until `stop`, then close its connection."""
        try:
            while not stop.wait(HEARTBEAT_EVERY):
                self.write()
        finally:
            connection.close()


def beat(
    relay_id: str, service: str, *, broker_error: str, published_total: int, released: bool = False
) -> None:
    """Write the relay's heartbeat: alive now, whether it reaches the broker, how much it published.

    `released`: the relay is stopping and gave its claims back, so nobody needs to take them over.
    """
    RelayHeartbeat.objects.update_or_create(
        relay_id=relay_id,
        defaults={
            "service": service,
            "updated_at": Now(),  # the database's clock: the one every relay reads
            "broker_connected": not broker_error,
            "last_error": broker_error,
            "published_total": published_total,
            "pid_namespace": PID_NAMESPACE,
            "released_at": Now() if released else None,
        },
    )


def dead_relays(service: str, silent_after: timedelta, lease: timedelta) -> list[tuple[str, object, str]]:
    """The service's relays that may still hold claims and are dead: (relay id, last seen, why)."""
    recent = RelayHeartbeat.objects.filter(
        service=service, released_at__isnull=True, updated_at__gte=Now() - (lease + silent_after)
    ).annotate(silent=ExpressionWrapper(Q(updated_at__lt=Now() - silent_after), output_field=BooleanField()))
    dead = []
    for relay_id, seen, pid_namespace, silent in recent.values_list(
        "relay_id", "updated_at", "pid_namespace", "silent"
    ):
        if PID_NAMESPACE and pid_namespace == PID_NAMESPACE and not pid_runs(relay_id):
            dead.append((relay_id, seen, "gone: its pid no longer runs in this pid namespace"))
        elif silent:
            dead.append((relay_id, seen, "silent"))
    return dead


def take_over_dead(service: str, silent_after: timedelta, lease: timedelta) -> dict[str, int]:
    """Free the claims of the service's dead relays (see the module's rule); {relay id: rows freed}."""
    freed = {}
    for relay_id, last_seen, why in dead_relays(service, silent_after, lease):
        with transaction.atomic():
            # parked_at: never set on a claimed row, and it lets PostgreSQL walk the claim index.
            rows = OutboxEvent.objects.filter(
                service=service, claimed_by=relay_id, published_at__isnull=True, parked_at__isnull=True
            ).update(claimed_by="", claimed_until=None)
            # Only if it stayed as it was meanwhile: a relay that beats again keeps its heartbeat.
            RelayHeartbeat.objects.filter(relay_id=relay_id, updated_at=last_seen).update(released_at=Now())
        freed[relay_id] = rows
        log.warning(
            "relay %s is dead (%s; last seen %.1fs ago): took over its %d claimed rows",
            relay_id,
            why,
            (timezone.now() - last_seen).total_seconds(),
            rows,
        )
    return freed


def prune_silent(service: str, older_than: timedelta) -> int:
    """Delete the heartbeats of the service's relays silent for longer than `older_than`; return how many."""
    cutoff = timezone.now() - older_than
    return RelayHeartbeat.objects.filter(service=service, updated_at__lt=cutoff).delete()[0]
