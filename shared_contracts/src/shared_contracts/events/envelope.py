"""The CloudEvents 1.0 envelope (structured JSON mode) that wraps every Ripple event."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

CONTENT_TYPE = "application/cloudevents+json"
SCHEMA_URN_PREFIX = "urn:ripple:schema:"

DataT = TypeVar("DataT", bound=BaseModel)


class EventData(BaseModel):
    """Base of every event's data: ignores unknown fields so additive changes never break a consumer."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    EVENT_TYPE: ClassVar[str]


class CloudEvent(BaseModel, Generic[DataT]):
    """A CloudEvents 1.0 envelope; `id` is the dedupe key and the AMQP message_id."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1, pattern=r"^[a-z]+(\.[a-z_]+)+\.v[0-9]+$")
    subject: str | None = None
    time: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    data: DataT
    traceparent: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
    )
    correlationid: str | None = Field(default=None, max_length=200)
    # Extension of our own: the deletion (catalog ledger) this event belongs to. Every service
    # that handles an event carrying it answers with a receipt.
    deletionid: uuid.UUID | None = None
    sequence: int | None = Field(default=None, ge=0)

    @field_validator("time")
    @classmethod
    def time_in_utc(cls, value: datetime) -> datetime:
        """Normalise the event time to UTC."""
        return value.astimezone(UTC)

    @property
    def routing_key(self) -> str:
        """The AMQP routing key: the event type without its version suffix."""
        return routing_key_for(self.type)

    def to_json(self) -> str:
        """Serialise the envelope as compact JSON, the exact body put on the wire."""
        return self.model_dump_json(exclude_none=True)

    def to_dict(self) -> dict[str, Any]:
        """Return the envelope as JSON-compatible Python data."""
        return self.model_dump(mode="json", exclude_none=True)


def routing_key_for(event_type: str) -> str:
    """The event type without its `.vN` suffix: `catalog.product.deleted.v1` → `catalog.product.deleted`."""
    base, _, version = event_type.rpartition(".")
    if not base or not version.startswith("v") or not version[1:].isdigit():
        raise ValueError(f"event type {event_type!r} does not end in a version like .v1")
    return base


def schema_urn(event_type: str) -> str:
    """The `dataschema` URI of an event type; its JSON Schema lives in shared_contracts/schemas."""
    return f"{SCHEMA_URN_PREFIX}{event_type}"
