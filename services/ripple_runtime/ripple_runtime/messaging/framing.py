"""Write event messages to a py-amqp channel with the least work per message.

The relay publishes thousands of pre-serialised events a second, and py-amqp's general path
(serialise the method arguments and every property through its generic encoder, for every
message) costs more than the rest of the relay together. Here the Basic.Publish arguments are
encoded once per routing key and the few properties an event carries are packed directly; the
frames are still written by py-amqp's own frame writer. `properties()` is checked against
py-amqp's encoder in the tests, byte for byte.

What py-amqp's `basic_publish` guards against is kept, once per batch instead of per message
(`EventWriter.guarded`): a pending `connection.blocked` is read before writing (and refused
while the broker blocks us), and a write that times out is a recoverable connection error.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from struct import pack

from amqp import spec
from amqp.serialization import dumps

from shared_contracts.events import CONTENT_TYPE

# AMQP 0-9-1 basic properties present in an event message, as bits of the property flags.
CONTENT_TYPE_FLAG, DELIVERY_MODE_FLAG, CORRELATION_ID_FLAG = 0x8000, 0x1000, 0x0400
MESSAGE_ID_FLAG, TYPE_FLAG = 0x0080, 0x0020
PERSISTENT = b"\x02"


def shortstr(value: str) -> bytes:
    """An AMQP short string: one length byte, then at most 255 bytes of UTF-8."""
    raw = value.encode()
    if len(raw) > 255:
        raise ValueError(f"{value[:40]!r}… is longer than an AMQP short string allows")
    return bytes((len(raw),)) + raw


CONTENT_TYPE_FIELD = shortstr(CONTENT_TYPE)


def properties(message_id: str, event_type: str, correlation_id: str | None) -> bytes:
    """The serialised properties: content type, persistent, correlation id (if any), id, type."""
    flags = CONTENT_TYPE_FLAG | DELIVERY_MODE_FLAG | MESSAGE_ID_FLAG | TYPE_FLAG
    correlation = b""
    if correlation_id:
        flags |= CORRELATION_ID_FLAG
        correlation = shortstr(correlation_id)
    return b"".join(
        (
            pack(">H", flags),
            CONTENT_TYPE_FIELD,
            PERSISTENT,
            correlation,
            shortstr(message_id),
            shortstr(event_type),
        )
    )


class PreparedContent:
    """What py-amqp's frame writer needs of a message: a body and its serialised properties."""

    __slots__ = ("_properties", "body")

    def __init__(self, body: bytes, serialized_properties: bytes):
        """Hold the body and the properties already packed."""
        self.body = body
        self._properties = serialized_properties

    def _serialize_properties(self) -> bytes:
        """The properties, as packed by `properties()`."""
        return self._properties


class WriteFailed(ConnectionError):
    """The broker blocked the connection, or a write timed out: reconnect and try again later."""


class EventWriter:
    """Publishes event messages (mandatory, persistent) on one channel of a py-amqp connection."""

    def __init__(self, channel, exchange: str, write_timeout: float = 15.0):
        """Remember the channel's frame writer and the exchange; arguments are cached per key."""
        self.connection = channel.connection
        self.write = channel.connection.frame_writer
        self.channel_id = channel.channel_id
        self.exchange = exchange
        self.write_timeout = write_timeout
        self.blocked: str | None = None
        self._arguments: dict[str, bytes] = {}
        self.connection.on_blocked = self._on_blocked
        self.connection.on_unblocked = self._on_unblocked

    def _on_blocked(self, reason: str) -> None:
        """The broker stopped reading from this connection (a resource alarm)."""
        self.blocked = reason or "connection blocked by the broker"

    def _on_unblocked(self) -> None:
        """The broker reads again."""
        self.blocked = None

    @contextlib.contextmanager
    def guarded(self) -> Iterator[None]:
        """Write a batch the way py-amqp's basic_publish writes one message: blocked and timeouts handled."""
        if self.connection.client_properties.get("capabilities", {}).get("connection.blocked", False):
            with contextlib.suppress(socket.timeout):
                self.connection.drain_events(timeout=0)  # reads a Connection.Blocked sent meanwhile
        if self.blocked:
            raise WriteFailed(self.blocked)
        try:
            with self.connection.transport.having_timeout(self.write_timeout):
                yield
        except TimeoutError as exc:  # the socket is dead: a connection error
            raise WriteFailed(f"writing to the broker timed out after {self.write_timeout}s") from exc

    def publish(
        self, body: bytes, routing_key: str, message_id: str, event_type: str, correlation_id: str | None
    ):
        """Write one Basic.Publish with its content header and body."""
        arguments = self._arguments.get(routing_key)
        if arguments is None:  # reserved, exchange, routing key, mandatory, immediate
            arguments = dumps("Bssbb", (0, self.exchange, routing_key, True, False))
            self._arguments[routing_key] = arguments
        content = PreparedContent(body, properties(message_id, event_type, correlation_id))
        self.write(1, self.channel_id, spec.Basic.Publish, arguments, content)
