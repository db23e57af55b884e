"""The relay: publish pending outbox rows with confirms, mark them only once the broker confirmed.

Rows are claimed with `SELECT … FOR UPDATE SKIP LOCKED` inside a transaction that lasts until the
confirms are in, so several relays can share one PostgreSQL outbox without publishing a row twice
(in the normal case), and a relay killed mid-batch leaves its rows pending for the next one.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from outbox.models import OutboxEvent, RelayHeartbeat
from outbox.wakeup import PollWakeup
from shared_contracts.messaging.publisher import ConfirmingPublisher, OutgoingMessage

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = 5.0
PRUNE_EVERY = 600.0
PRUNE_CHUNK = 5000


@dataclass(frozen=True)
class RelaySettings:
    """Tunables of one relay process (from settings.OUTBOX)."""

    batch_size: int = 500
    poll_interval: float = 1.0
    max_backoff: float = 30.0
    retention: timedelta = timedelta(days=7)


class OutboxRelay:
    """Moves outbox rows to the broker until told to stop."""

    def __init__(
        self,
        publisher: ConfirmingPublisher,
        wakeup: PollWakeup,
        stop: threading.Event,
        settings: RelaySettings,
    ):
        """Wire the relay to its publisher, its wake-up source and its stop flag."""
        self.publisher = publisher
        self.wakeup = wakeup
        self.stop = stop
        self.settings = settings
        self.relay_id = f"{socket.gethostname()}:{os.getpid()}"
        self.published_total = 0
        self._last_heartbeat = 0.0
        self._last_prune = 0.0
        self._broker_error = ""

    def relay_batch(self) -> int:
        """Claim up to one batch of pending rows, publish them, mark the confirmed ones; return the count."""
        with transaction.atomic():
            rows = list(
                OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(published_at__isnull=True)
                .order_by("id")
                .values_list("id", "event_id", "event_type", "routing_key", "body", "correlation_id")[
                    : self.settings.batch_size
                ]
            )
            if not rows:
                return 0
            messages = [
                OutgoingMessage(str(event_id), key, body, event_type, correlation_id or None)
                for _, event_id, event_type, key, body, correlation_id in rows
            ]
            result = self.publisher.publish_batch(messages)
            pk_by_event = {str(event_id): pk for pk, event_id, *_ in rows}
            confirmed = [pk_by_event[event_id] for event_id in result.confirmed]
            if confirmed:
                OutboxEvent.objects.filter(pk__in=confirmed).update(
                    published_at=timezone.now(), attempts=F("attempts") + 1
                )
            for event_id, reason in result.failed.items():
                log.error("event %s was not published: %s", event_id, reason)
                OutboxEvent.objects.filter(pk=pk_by_event[event_id]).update(
                    attempts=F("attempts") + 1, last_error=reason[:2000]
                )
        self.published_total += len(confirmed)
        return len(rows)

    def drain(self) -> int:
        """Publish until nothing is pending (used by `relay_outbox --once` and tests)."""
        total = 0
        while not self.stop.is_set() and (count := self.relay_batch()):
            total += count
        return total

    def run(self) -> None:
        """Relay until the stop flag is set, reconnecting with capped, jittered backoff."""
        backoff = 0.5
        log.info("relay %s starting", self.relay_id)
        while not self.stop.is_set():
            try:
                if not self.publisher.connected:
                    self.publisher.connect()
                    log.info("connected to the broker; publishing")
                    self._broker_error, backoff = "", 0.5
                    self._heartbeat(force=True)
                count = self.relay_batch()
                self.publisher.heartbeat_check()
                self._housekeeping()
                if count < self.settings.batch_size:
                    self.wakeup.wait(self.settings.poll_interval)
            except self.publisher.recoverable_errors as exc:
                self.publisher.close()
                self._broker_error = f"broker unreachable: {exc}"
                log.warning("%s; retrying in %.1fs", self._broker_error, backoff)
                self._heartbeat(force=True)
                self.stop.wait(backoff)
                backoff = min(backoff * 2, self.settings.max_backoff) * random.uniform(0.8, 1.0)  # noqa: S311
            except DatabaseError as exc:
                log.warning("database error (%s); retrying in %.1fs", exc, backoff)
                close_old_connections()
                self.stop.wait(backoff)
                backoff = min(backoff * 2, self.settings.max_backoff)
        self.publisher.close()
        self.wakeup.close()
        self._heartbeat(force=True)
        log.info("relay %s stopped after publishing %d events", self.relay_id, self.published_total)

    def _housekeeping(self) -> None:
        """Write the heartbeat and prune old rows, each on its own schedule."""
        self._heartbeat()
        now = time.monotonic()
        if now - self._last_prune >= PRUNE_EVERY:
            self._last_prune = now
            pruned = prune_published(self.settings.retention)
            if pruned:
                log.info("pruned %d published outbox rows", pruned)

    def _heartbeat(self, force: bool = False) -> None:
        """Tell /readyz this relay is alive and whether it reaches the broker."""
        now = time.monotonic()
        if not force and now - self._last_heartbeat < HEARTBEAT_EVERY:
            return
        self._last_heartbeat = now
        try:
            RelayHeartbeat.objects.update_or_create(
                relay_id=self.relay_id,
                defaults={
                    "updated_at": timezone.now(),
                    "broker_connected": not self._broker_error,
                    "last_error": self._broker_error,
                    "published_total": self.published_total,
                },
            )
        except DatabaseError:
            log.warning("could not write the relay heartbeat", exc_info=True)


def prune_published(retention: timedelta) -> int:
    """Delete rows published longer ago than `retention`, in chunks; return how many went."""
    cutoff = timezone.now() - retention
    total = 0
    while True:
        chunk = list(
            OutboxEvent.objects.filter(published_at__lt=cutoff).values_list("pk", flat=True)[:PRUNE_CHUNK]
        )
        if not chunk:
            return total
        total += OutboxEvent.objects.filter(pk__in=chunk).delete()[0]
