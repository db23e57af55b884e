"""Relay heartbeats: each running relay's word that it is alive, and what live relays do with silent ones.

A relay writes its heartbeat every HEARTBEAT_EVERY second from a thread of its own, so a relay
waiting for the broker's confirms still beats. Liveness is that heartbeat and nothing else: not
the host name and not the pid, which say little in containers (a recreated container has a new
host name, a restarted one the same, and in each of them the relay may be pid 1). The rule:

- a relay that starts first frees the claims still held under its own relay id (`host:pid`):
  whoever held that id before is dead, since a live process now holds it (a container restarted
  in place keeps its host name and usually its pid, so its old claims are freed at once);
- every running relay, once a second, frees the claims of its service's relays whose heartbeat
  is older than OUTBOX_TAKEOVER_SECONDS (3 s, three missed beats) but recent enough that their
  claims may still be leased, then deletes that heartbeat, so each silent relay is handled once.

Two live relays never take each other's rows: a live relay's heartbeat is never that old. One that
stalls for longer (a frozen VM, SIGSTOP, a database that does not take its heartbeat) may find
its rows taken and published by another; consumers' inboxes absorb that second copy. Processes
that write no heartbeat (`relay_outbox --once`) keep their claims until the lease expires.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ripple_runtime.outbox.models import OutboxEvent, RelayHeartbeat

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = 1.0


def beat(relay_id: str, service: str, *, broker_error: str, published_total: int) -> None:
    """Write the relay's heartbeat: alive now, whether it reaches the broker, how much it published."""
    RelayHeartbeat.objects.update_or_create(
        relay_id=relay_id,
        defaults={
            "service": service,
            "updated_at": timezone.now(),
            "broker_connected": not broker_error,
            "last_error": broker_error,
            "published_total": published_total,
        },
    )


def take_over_silent(service: str, silent_after: timedelta, lease: timedelta) -> dict[str, int]:
    """Free the claims of the service's relays silent for longer than `silent_after`; {relay id: rows}."""
    now = timezone.now()
    silent = RelayHeartbeat.objects.filter(
        service=service, updated_at__lt=now - silent_after, updated_at__gte=now - lease - silent_after
    ).values_list("relay_id", "updated_at")
    freed = {}
    for relay_id, last_seen in silent:
        with transaction.atomic():
            rows = OutboxEvent.objects.filter(
                service=service, claimed_by=relay_id, published_at__isnull=True
            ).update(claimed_by="", claimed_until=None)
            # Only if it stayed silent meanwhile: a relay that beats again keeps its heartbeat.
            RelayHeartbeat.objects.filter(relay_id=relay_id, updated_at=last_seen).delete()
        freed[relay_id] = rows
        log.warning(
            "relay %s silent for %.1fs: took over its %d claimed rows",
            relay_id,
            (now - last_seen).total_seconds(),
            rows,
        )
    return freed


def prune_silent(service: str, older_than: timedelta) -> int:
    """Delete the heartbeats of the service's relays silent for longer than `older_than`; return how many."""
    cutoff = timezone.now() - older_than
    return RelayHeartbeat.objects.filter(service=service, updated_at__lt=cutoff).delete()[0]
