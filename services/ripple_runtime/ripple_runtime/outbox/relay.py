"""The relay: publish pending outbox rows with confirms, mark them only once the broker confirmed.

Rows are claimed with a lease (ripple_runtime.outbox.claims: `SELECT … FOR UPDATE SKIP LOCKED` in a short
transaction), so several relays share one outbox without publishing a row twice in the normal
case. A relay killed mid-batch leaves its rows to the next one: a live relay takes them over
once it sees the dead one's pid gone, or its heartbeat a few seconds old, and a relay restarted
under the same id frees them as it starts (ripple_runtime.outbox.heartbeats); else they wait
for the lease.
Rows the broker refuses back off and are parked after OUTBOX_MAX_ATTEMPTS (claims.mark_failed).
A relay publishes the rows of its own service only, so services may share one database.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings as django_settings
from django.db import DatabaseError, close_old_connections

from ripple_runtime import metrics, retry, service_settings
from ripple_runtime.messaging.publisher import BatchResult, ConfirmingPublisher, OutgoingMessage
from ripple_runtime.messaging.queues import exchange_named
from ripple_runtime.outbox import claims, heartbeats
from ripple_runtime.outbox.wakeup import PollWakeup
from ripple_runtime.tracing import hooks
from shared_contracts import topology

log = logging.getLogger(__name__)

PRUNE_EVERY = 600.0
TAKEOVER_CHECK_EVERY = 1.0
AMQP_HEARTBEAT_CHECK_EVERY = 5.0


@dataclass(frozen=True)
class RelaySettings:
    """Tunables of one relay process (from settings.OUTBOX) and the service whose rows it publishes."""

    service: str
    batch_size: int = 2000
    poll_interval: float = 1.0
    backoff: retry.RetryPolicy = retry.RELAY_BACKOFF
    retention: timedelta = timedelta(days=7)
    lease: timedelta = timedelta(seconds=60)
    refusals: retry.RetryPolicy = retry.OUTBOX_REFUSED
    takeover_after: timedelta = timedelta(seconds=3)
    heartbeat_retention: timedelta = timedelta(days=1)

    @classmethod
    def from_django_settings(cls, batch_size: int | None = None) -> RelaySettings:
        """The relay settings of this service (settings.OUTBOX, OUTBOX_* variables)."""
        config = django_settings.OUTBOX
        return cls(
            service=django_settings.RIPPLE_SERVICE,
            batch_size=batch_size or config["BATCH_SIZE"],
            poll_interval=config["POLL_INTERVAL"],
            backoff=service_settings.relay_backoff(),
            retention=timedelta(hours=config["RETENTION_HOURS"]),
            lease=timedelta(seconds=config["CLAIM_SECONDS"]),
            refusals=retry.outbox_refusals(config["MAX_ATTEMPTS"]),
            takeover_after=timedelta(seconds=config["TAKEOVER_SECONDS"]),
            heartbeat_retention=timedelta(hours=config["HEARTBEAT_RETENTION_HOURS"]),
        )


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
        self._last_prune = 0.0
        self._last_takeover_check = 0.0
        self.heartbeat = heartbeats.Heartbeat(
            self.relay_id, settings.service, lambda: (self._broker_error, self.published_total)
        )
        self._broker_error = "not connected yet"
        self._in_flight: tuple[list[claims.ClaimedRow], BatchResult] | None = None

    def relay_batch(self) -> int:
        """Claim and send one batch, then settle the batch sent before it; return how many were claimed.

        Two batches are in flight at most: the broker confirms batch k while this process claims
        and writes batch k+1, which is what makes confirmed publishing nearly as fast as plain.
        """
        rows = claims.claim(
            self.settings.service, self.relay_id, self.settings.batch_size, self.settings.lease
        )
        sent = None
        if rows:
            messages = [
                OutgoingMessage(
                    str(row.event_id), row.routing_key, row.body, row.event_type, row.correlation_id or None
                )
                for row in rows
            ]
            with hooks.publishing(rows):  # a producer span per event, when tracing is on
                sent = (rows, self.publisher.send(messages))
        self.flush()
        self._in_flight = sent
        return len(rows)

    def flush(self) -> None:
        """Wait for the confirms of the batch in flight and record the outcome of each row."""
        if self._in_flight is None:
            return
        rows, batch = self._in_flight
        self._in_flight = None
        self.publisher.settle(batch)
        pk_by_event = {str(row.event_id): row.id for row in rows}
        claims.mark_published([pk_by_event[event_id] for event_id in batch.confirmed])
        for event_id, reason in batch.failed.items():
            log.error("event %s was not published: %s", event_id, reason, extra={"event_id": event_id})
        refused = {pk_by_event[event_id]: reason for event_id, reason in batch.failed.items()}
        if refused:
            parked = claims.mark_failed(refused, self.settings.refusals)
            if parked:
                log.error(
                    "parked %d outbox rows after their last attempt: re-send them once fixed", len(parked)
                )
        self.published_total += len(batch.confirmed)
        metrics.relay_settled(self.settings.service, rows, batch.failed, time.perf_counter() - batch.sent_at)

    def drain(self) -> int:
        """Publish until nothing is pending (used by `relay_outbox --once` and tests)."""
        total = 0
        while not self.stop.is_set() and (count := self.relay_batch()):
            total += count
        self.flush()
        return total

    def run(self) -> None:
        """Relay until the stop flag is set, reconnecting with the relay's capped, jittered backoff.

        A thread of its own writes the heartbeat meanwhile, so waiting on the broker never makes
        this relay look silent to the others (ripple_runtime.outbox.heartbeats).
        """
        log.info("relay %s of %s starting", self.relay_id, self.settings.service)
        self._release_claims()  # a predecessor under this same id is dead: its claims are free now
        with self.heartbeat.beating():
            self._relay_until_stopped()
        with contextlib.suppress(*self.publisher.recoverable_errors):
            self.flush()  # the batch in flight, if the broker still answers
        self.publisher.close()
        metrics.relay_connected(self.settings.service, False)
        self.wakeup.close()
        self._release_claims()
        self.heartbeat.write(released=True)
        log.info("relay %s stopped after publishing %d events", self.relay_id, self.published_total)

    def _relay_until_stopped(self) -> None:
        """The body of `run()`: relay batches, reconnect and back off, until the stop flag is set."""
        failures = 0
        while not self.stop.is_set():
            try:
                if not self.publisher.connected:
                    self.publisher.connect()
                    log.info("connected to the broker; publishing")
                    metrics.relay_connected(self.settings.service, True)
                    self._broker_error, failures = "", 0
                    self.heartbeat.write()
                self._take_over_dead_relays()
                count = self.relay_batch()
                if count < self.settings.batch_size:
                    self.flush()
                    self.publisher.heartbeat_check()
                    self._prune()
                    # Wake at least every few seconds to read and send AMQP heartbeats.
                    self.wakeup.wait(min(self.settings.poll_interval, AMQP_HEARTBEAT_CHECK_EVERY))
            except self.publisher.recoverable_errors as exc:
                self._in_flight = None
                self.publisher.close()
                metrics.relay_connected(self.settings.service, False)
                self._release_claims()
                self._broker_error = f"broker unreachable: {exc}"
                failures += 1
                delay = self.settings.backoff.delay(failures)
                log.warning("%s; retrying in %.1fs", self._broker_error, delay)
                self.heartbeat.write()
                self.stop.wait(delay)
            except DatabaseError as exc:
                failures += 1
                delay = self.settings.backoff.delay(failures)
                log.warning("database error (%s); retrying in %.1fs", exc, delay)
                close_old_connections()
                self.stop.wait(delay)

    def _release_claims(self) -> None:
        """Free the rows this relay claimed but could not get confirmed."""
        try:
            claims.release(self.relay_id)
        except DatabaseError:
            log.warning("could not release claims; they expire after the lease", exc_info=True)

    def _take_over_dead_relays(self) -> None:
        """Once a second: free the claims of this service's dead relays (ripple_runtime.outbox.heartbeats)."""
        now = time.monotonic()
        if now - self._last_takeover_check < TAKEOVER_CHECK_EVERY:
            return
        self._last_takeover_check = now
        heartbeats.take_over_dead(self.settings.service, self.settings.takeover_after, self.settings.lease)

    def _prune(self) -> None:
        """Every PRUNE_EVERY seconds: delete old published rows and long-silent relays' heartbeats."""
        now = time.monotonic()
        if now - self._last_prune < PRUNE_EVERY:
            return
        self._last_prune = now
        pruned = claims.prune_published(self.settings.service, self.settings.retention)
        silent = heartbeats.prune_silent(self.settings.service, self.settings.heartbeat_retention)
        if pruned or silent:
            log.info("pruned %d published outbox rows and %d silent relays' heartbeats", pruned, silent)


def publisher_for(service: str, broker_url: str) -> ConfirmingPublisher:
    """The confirming publisher of a service's relay, on the one exchange the service publishes to.

    The catalog's relay declares the whole topology (it starts first and holds the rights);
    a consuming service's relay only publishes its receipts, to an exchange that must exist.
    """
    exchange = topology.publish_exchange(service)
    return ConfirmingPublisher(
        broker_url, exchange=exchange_named(exchange), declare=exchange == topology.EVENTS_EXCHANGE_NAME
    )
