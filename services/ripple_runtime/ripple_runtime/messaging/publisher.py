"""Publish batches of events with pipelined publisher confirms.

One blocking confirm per message costs a round trip each; instead a batch is written to the
channel back to back and the broker's acks (which may cover many delivery tags at once) are
collected afterwards. A message counts as published only once the broker has confirmed it.
kombu opens and declares; the messages themselves go through `framing.EventWriter`, which writes
py-amqp frames directly (kombu's and py-amqp's generic encoders cost more than the relay itself).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from dataclasses import dataclass, field

from kombu import Connection, Exchange

from ripple_runtime.messaging.framing import EventWriter
from ripple_runtime.messaging.queues import declare_topology, events_exchange

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMessage:
    """One serialised event ready for the wire; `message_id` is the event id."""

    message_id: str
    routing_key: str
    body: str
    event_type: str
    correlation_id: str | None = None


@dataclass
class BatchResult:
    """Which messages of a batch the broker confirmed, why the others failed, how many are open."""

    confirmed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    outstanding: int = 0
    sent_at: float = field(default_factory=time.perf_counter)


class ConfirmTimeout(ConnectionError):
    """The broker did not confirm a batch in time; treat the connection as broken."""


class ConfirmingPublisher:
    """A connection in confirm mode that publishes batches and reports what was confirmed."""

    def __init__(
        self,
        broker_url: str,
        *,
        exchange: Exchange = events_exchange,
        confirm_timeout: float = 15.0,
        write_timeout: float = 15.0,
        connect_timeout: float = 5.0,
        heartbeat: int = 30,
        declare: bool = True,
    ):
        """Remember how to connect; nothing touches the network until `connect()`."""
        self.broker_url = broker_url
        self.exchange = exchange
        self.confirm_timeout = confirm_timeout
        self.write_timeout = write_timeout
        self.connect_timeout = connect_timeout
        self.heartbeat = heartbeat
        self.declare = declare
        self._connection: Connection | None = None
        self._channel = None
        self._writer: EventWriter | None = None
        self._next_tag = 0
        self._pending: dict[int, tuple[str, BatchResult]] = {}
        self._returned: dict[str, str] = {}
        self._nacked = False  # the broker nacked on this channel: the next batch takes a new one

    @property
    def connected(self) -> bool:
        """Whether a live connection is held."""
        return self._connection is not None and self._connection.connected

    @property
    def recoverable_errors(self) -> tuple[type[BaseException], ...]:
        """Errors after which reconnecting is the right answer."""
        conn = self._connection or Connection(self.broker_url)
        return (
            *conn.connection_errors,
            *conn.channel_errors,
            ConfirmTimeout,
            OSError,
        )

    def connect(self) -> None:
        """Open the connection, declare the topology and switch the channel to confirm mode."""
        self.close()
        conn = Connection(self.broker_url, connect_timeout=self.connect_timeout, heartbeat=self.heartbeat)
        conn.connect()
        channel = conn.channel()
        if self.declare:
            declare_topology(channel)
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        channel.events["basic_return"].add(self._on_return)
        self._connection = conn
        self._channel = channel
        self._writer = EventWriter(channel, self.exchange.name, self.write_timeout)
        self._next_tag = 0
        self._pending.clear()
        self._nacked = False

    def close(self) -> None:
        """Close the connection, ignoring errors from one that is already dead."""
        conn, self._connection, self._channel = self._connection, None, None
        self._fail_pending("the connection closed before the broker confirmed")
        if conn is not None:
            try:
                conn.release()
            except Exception:  # a dead socket may fail in many ways while closing
                log.debug("error while closing broker connection", exc_info=True)

    def heartbeat_check(self) -> None:
        """Read what the broker sent meanwhile (its heartbeats), then send ours; call it while idle.

        py-amqp counts a heartbeat as received only when it reads the socket, so an idle
        publisher that never reads would think the broker gone after two intervals.
        """
        if self._connection is None:
            return
        with contextlib.suppress(TimeoutError):
            while True:
                self._connection.drain_events(timeout=0)
        self._connection.heartbeat_check()

    def publish_batch(self, messages: list[OutgoingMessage]) -> BatchResult:
        """Publish persistent messages back to back, then wait until the broker confirmed each one."""
        return self.settle(self.send(messages))

    def send(self, messages: list[OutgoingMessage]) -> BatchResult:
        """Write a batch to the channel without waiting; `settle()` it later.

        Sending batch k+1 before settling batch k keeps the broker busy while the caller does
        its own work (the relay claims and marks rows meanwhile): confirms are pipelined.
        """
        if not self.connected or (self._nacked and not self._pending):
            self.connect()
        batch = BatchResult(outstanding=len(messages))
        writer = self._writer
        with writer.guarded():
            for message in messages:
                self._next_tag += 1
                self._pending[self._next_tag] = (message.message_id, batch)
                writer.publish(
                    message.body.encode(),
                    message.routing_key,
                    message.message_id,
                    message.event_type,
                    message.correlation_id,
                )
        return batch

    def settle(self, batch: BatchResult) -> BatchResult:
        """Read acks and nacks until every message of the batch is confirmed or failed."""
        deadline = time.monotonic() + self.confirm_timeout
        while batch.outstanding:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._fail_pending("no confirm from the broker in time")
                self.close()
                raise ConfirmTimeout(f"{len(batch.failed)} messages unconfirmed")
            try:
                self._connection.drain_events(timeout=remaining)
            except TimeoutError:
                continue
        return batch

    def _settle(self, delivery_tag: int, multiple: bool, failure: str | None) -> None:
        """Move the delivery tag (or every tag up to it) from pending to its batch's result."""
        if multiple:  # pending is ordered by tag, so the settled ones are at its front
            tags = list(itertools.takewhile(lambda tag: tag <= delivery_tag, self._pending))
        else:
            tags = [delivery_tag] if delivery_tag in self._pending else []
        for tag in tags:
            message_id, batch = self._pending.pop(tag)
            batch.outstanding -= 1
            reason = failure or self._returned.pop(message_id, None)
            if reason:
                batch.failed[message_id] = reason
            else:
                batch.confirmed.append(message_id)

    def _fail_pending(self, reason: str) -> None:
        """Mark every unsettled message, of every batch in flight, as failed."""
        for message_id, batch in self._pending.values():
            batch.failed[message_id] = reason
            batch.outstanding -= 1
        self._pending.clear()

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        """Broker confirmed delivery tag(s)."""
        self._settle(delivery_tag, multiple, None)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        """Broker refused delivery tag(s); they stay unpublished, and the next batch takes a new channel.

        A nack is a queue failing to take the message, and on RabbitMQ 3.10 a channel that a
        quorum queue nacked keeps nacking for it: after the queue had room again (a test), and
        for minutes after a cluster node was lost (the cluster fault scenario: a channel opened
        while the queues elected new leaders). A new channel takes the queue's word afresh.
        """
        self._settle(delivery_tag, multiple, "nacked by the broker")
        self._nacked = True

    def _on_return(self, exc, exchange, routing_key, message) -> None:
        """A mandatory message had no queue bound: remember it, its ack follows."""
        message_id = message.properties.get("message_id", "")
        self._returned[message_id] = f"unroutable via {exchange!r} with key {routing_key!r}: {exc}"
