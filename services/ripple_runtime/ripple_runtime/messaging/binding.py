"""Read a CloudEvent out of an AMQP message, in structured or binary content mode: one place for it.

The CloudEvents AMQP protocol binding (cloudevents/spec, cloudevents/bindings/amqp-protocol-binding.md,
section 3) decides the mode by the message's content type:

- structured: `application/cloudevents+json` (parameters such as `; charset=utf-8` allowed); the
  body is the whole event in CloudEvents' JSON format. This is what Ripple's own relay sends.
- binary: any other content type. Every attribute but `datacontenttype` is an application
  property (AMQP 0-9-1: a message header) named `cloudEvents:<attribute>` (3.1.3.1); the content
  type is `datacontenttype`, and the body is `data`. We read JSON data only (`application/json`,
  with or without parameters, or no content type at all).

Header names are matched case-insensitively and three prefixes are accepted, because three are in
use: `cloudEvents:` (the spec), `cloudEvents_` (the JMS-safe spelling that the official Python
SDK's AMQP binding, `cloudevents.core.bindings.amqp`, writes) and `ce-` (the RabbitMQ binding of
knative eventing-rabbitmq, written by the SDK's `cloudevents.core.bindings.rabbitmq`). Values may
be strings or native AMQP values (3.1.3.2): a `time` sent as an AMQP timestamp or as milliseconds
since the epoch is read as that instant.

A message with neither a CloudEvents content type nor any attribute header is read as structured
JSON, as Ripple always read its messages. What cannot be read raises InvalidEvent with a one-line
reason; `structured_body` renders any message as the JSON-format event that the dead-letter queue
keeps (a binary one is turned into its structured form, so a redrive needs no headers).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from shared_contracts.events import InvalidEvent, decode_body

STRUCTURED_MEDIA_TYPE = "application/cloudevents"
JSON_FORMAT = "application/cloudevents+json"
JSON_DATA = "application/json"
# In the order of precedence when one attribute comes under two prefixes with different values.
ATTRIBUTE_PREFIXES = ("cloudevents:", "cloudevents_", "ce-")


def media_type(content_type: str | None) -> str:
    """The media type of a content type, without parameters, lower case: `application/json`."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _header_value(name: str, value: Any) -> Any:
    """A header's attribute value: a canonical string as it is, a native AMQP value made one."""
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode()
        except UnicodeDecodeError as exc:
            raise InvalidEvent(f"binary mode: header of {name!r} is not UTF-8") from exc
    if isinstance(value, datetime):  # an AMQP timestamp (py-amqp gives naive UTC)
        instant = value if value.tzinfo else value.replace(tzinfo=UTC)
        return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if name == "time" and isinstance(value, int) and not isinstance(value, bool):  # AMQP 1.0: epoch ms
        return _header_value(name, datetime.fromtimestamp(value / 1000, UTC))
    return value


def header_attributes(headers: Mapping[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """The CloudEvents attributes in a message's headers, and the names given twice with different values."""
    attributes: dict[str, Any] = {}
    conflicts: list[str] = []
    named = ((str(key).lower(), value) for key, value in (headers or {}).items())
    found = sorted(  # by prefix only (values of any type need not compare), stable in header order
        (
            (ATTRIBUTE_PREFIXES.index(prefix), key[len(prefix) :], value)
            for key, value in named
            for prefix in ATTRIBUTE_PREFIXES
            if key.startswith(prefix) and len(key) > len(prefix)
        ),
        key=lambda item: item[0],
    )
    for _, name, value in found:
        if name == "datacontenttype":  # the content type is the one place for it in binary mode
            continue
        if name in attributes and attributes[name] != value:
            conflicts.append(name)
        attributes.setdefault(name, value)
    return attributes, conflicts


def content_mode(content_type: str | None, headers: Mapping[str, Any] | None) -> str:
    """`structured` or `binary`, by the binding's rule (with Ripple's structured default for bare JSON)."""
    if media_type(content_type).startswith(STRUCTURED_MEDIA_TYPE):
        return "structured"
    return "binary" if header_attributes(headers)[0] else "structured"


def read_event(body: bytes | str, content_type: str | None, headers: Mapping[str, Any] | None) -> dict:
    """The CloudEvent a message carries, as a JSON-format dict; InvalidEvent says why there is none."""
    kind = media_type(content_type)
    if content_mode(content_type, headers) == "structured":
        if kind.startswith(STRUCTURED_MEDIA_TYPE) and kind != JSON_FORMAT:
            batch = kind.startswith(f"{STRUCTURED_MEDIA_TYPE}-batch")
            raise InvalidEvent(
                "batched content mode is not supported"
                if batch
                else f"event format {kind!r} is not supported"
            )
        return decode_body(body)
    attributes, conflicts = header_attributes(headers)
    if conflicts:
        raise InvalidEvent(f"binary mode: attributes {sorted(set(conflicts))} given twice, differently")
    event = {name: _header_value(name, value) for name, value in attributes.items()}
    if kind not in ("", JSON_DATA):
        raise InvalidEvent(f"binary mode: data of content type {kind!r}; only {JSON_DATA} is read")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidEvent(f"binary mode: data is not JSON: {exc}") from exc
    return {**event, "datacontenttype": JSON_DATA, "data": data}


def structured_body(body: bytes | str, content_type: str | None, headers: Mapping[str, Any] | None) -> bytes:
    """The message as a JSON-format event to keep in the dead-letter queue (a structured one as it came).

    A readable binary event becomes exactly the event the consumer read; an unreadable one keeps
    whatever attributes it had, and its body as `data`, or as `data_base64` when it is not JSON.
    """
    raw = body if isinstance(body, bytes) else body.encode()
    if content_mode(content_type, headers) == "structured":
        return raw
    try:
        return json.dumps(read_event(raw, content_type, headers), default=str).encode()
    except InvalidEvent:
        pass
    event: dict[str, Any] = {}
    for name, value in header_attributes(headers)[0].items():
        try:
            event[name] = _header_value(name, value)
        except InvalidEvent:
            event[name] = repr(value)
    if content_type:
        event["datacontenttype"] = content_type
    try:
        event["data"] = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        event["data_base64"] = base64.b64encode(raw).decode()  # the JSON format's form for other data
    return json.dumps(event, default=str).encode()
