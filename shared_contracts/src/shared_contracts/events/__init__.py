"""Event models and the registry that turns raw messages into validated events."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from shared_contracts.events.catalog import (
    CategoryDeletedV1,
    DeletionCompletedV1,
    DeletionFailedV1,
    MediaDeletedV1,
    ProductDeletedV1,
    ProductUpsertedV1,
)
from shared_contracts.events.envelope import (
    CONTENT_TYPE,
    REQUIRED_ATTRIBUTES,
    CloudEvent,
    EventData,
    data_schema_urn,
    envelope_schema_urn,
    routing_key_for,
    sequence_for,
)
from shared_contracts.events.receipts import Receipt, ReceiptStatus, ReceiptV1

EVENT_MODELS: dict[str, type[EventData]] = {
    model.EVENT_TYPE: model
    for model in (
        ProductDeletedV1,
        MediaDeletedV1,
        CategoryDeletedV1,
        ProductUpsertedV1,
        DeletionCompletedV1,
        DeletionFailedV1,
        ReceiptV1,
    )
}
# One envelope class per data model, built once: pydantic holds parametrized generics only
# weakly, and rebuilding one costs most of a millisecond on every event.
ENVELOPES: dict[type[EventData], type[CloudEvent]] = {
    model: CloudEvent[model] for model in EVENT_MODELS.values()
}


class InvalidEvent(ValueError):
    """A message that is not a valid Ripple event; `reason` says why in one line."""

    def __init__(self, reason: str):
        """Keep the one-line reason that goes into the dead-letter header."""
        super().__init__(reason)
        self.reason = reason


def build_event(data: EventData, *, source: str, subject: str | None = None, **extensions: Any):
    """Wrap event data in a validated envelope of its own type and schema."""
    event_type = data.EVENT_TYPE
    return ENVELOPES[type(data)](
        source=source,
        type=event_type,
        subject=subject,
        dataschema=data_schema_urn(event_type),
        data=data,
        **extensions,
    )


def decode_body(raw: bytes | str | dict[str, Any]) -> dict[str, Any]:
    """Decode a message body into a JSON object, or raise InvalidEvent saying why it is not one."""
    if isinstance(raw, bytes | str):
        try:
            raw = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidEvent(f"body is not JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise InvalidEvent("body is not a JSON object")
    return raw


def parse_event(raw: bytes | str | dict[str, Any]) -> CloudEvent:
    """Validate a raw message (body or dict) as an envelope plus the data model of its type."""
    raw = decode_body(raw)
    event_type = raw.get("type")
    model = EVENT_MODELS.get(event_type) if isinstance(event_type, str) else None
    if model is None:
        raise InvalidEvent(f"unknown event type {event_type!r}")
    missing = [name for name in REQUIRED_ATTRIBUTES if name not in raw]
    if missing:  # the model would fill in `id` and `specversion`: a received event must bring them
        raise InvalidEvent("invalid event: " + "; ".join(f"{name}: Field required" for name in missing))
    try:
        return ENVELOPES[model].model_validate(raw)
    except ValidationError as exc:
        raise InvalidEvent(_one_line(exc)) from exc


def _one_line(exc: ValidationError) -> str:
    """Summarise a pydantic error as `field: message; field: message`."""
    parts = [
        f"{'.'.join(str(loc) for loc in err['loc']) or 'event'}: {err['msg']}" for err in exc.errors()[:5]
    ]
    return "invalid event: " + "; ".join(parts)


__all__ = [
    "CONTENT_TYPE",
    "ENVELOPES",
    "EVENT_MODELS",
    "REQUIRED_ATTRIBUTES",
    "CategoryDeletedV1",
    "CloudEvent",
    "DeletionCompletedV1",
    "DeletionFailedV1",
    "EventData",
    "InvalidEvent",
    "MediaDeletedV1",
    "ProductDeletedV1",
    "ProductUpsertedV1",
    "Receipt",
    "ReceiptStatus",
    "ReceiptV1",
    "build_event",
    "data_schema_urn",
    "decode_body",
    "envelope_schema_urn",
    "parse_event",
    "routing_key_for",
    "sequence_for",
]
