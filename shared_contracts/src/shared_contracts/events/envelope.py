"""The CloudEvents 1.0 envelope that wraps every Ripple event, in CloudEvents' JSON format.

How an AMQP message carries it (structured or binary content mode) is ripple_runtime's concern.

Extensions of our own: `traceparent` (W3C trace context), `correlationid`, `deletionid` (the
catalog deletion an event belongs to) and `sequence`, CloudEvents' sequence extension: a string
whose lexicographic order is the aggregate's order, here the product version zero-padded to
SEQUENCE_WIDTH digits. Consumers order by the version in `data`, never by `sequence`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

CONTENT_TYPE = "application/cloudevents+json"
# CloudEvents 1.0's required attributes: a received event must carry them, even where building
# one fills them in (`id`, `specversion`).
REQUIRED_ATTRIBUTES = ("specversion", "id", "source", "type")
SCHEMA_URN_PREFIX = "urn:ripple:schema:"
# `sequence` is the product version in this many digits, so string order is version order up to
# 10**20 - 1 (beyond any PositiveBigIntegerField).
SEQUENCE_WIDTH = 20

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
    dataschema: str | None = Field(
        default=None, description="The JSON Schema `data` adheres to: urn:ripple:schema:<type>:data."
    )
    data: DataT
    traceparent: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
    )
    correlationid: str | None = Field(default=None, max_length=200)
    # Extension of our own: the deletion (catalog ledger) this event belongs to. Every service
    # that handles an event carrying it answers with a receipt.
    deletionid: uuid.UUID | None = None
    sequence: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="CloudEvents sequence extension: the product version, zero-padded to 20 digits.",
    )

    @field_validator("time")
    @classmethod
    def time_in_utc(cls, value: datetime) -> datetime:
        """Normalise the event time to UTC."""
        return value.astimezone(UTC)

    @field_validator("sequence", mode="before")
    @classmethod
    def sequence_as_string(cls, value: Any) -> Any:
        """Read an integer sequence (as events carried it before it became a string) as its padded string."""
        if isinstance(value, int) and not isinstance(value, bool):
            return sequence_for(value)
        return value

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


def envelope_schema_urn(event_type: str) -> str:
    """The `$id` of the JSON Schema of a whole event of a type (shared_contracts/schemas/<type>.json)."""
    return f"{SCHEMA_URN_PREFIX}{event_type}"


def data_schema_urn(event_type: str) -> str:
    """The `dataschema` of an event type: the `$id` of the schema of its data (schemas/data/<type>.json)."""
    return f"{SCHEMA_URN_PREFIX}{event_type}:data"


def sequence_for(version: int) -> str:
    """The `sequence` of an aggregate version: its decimal digits zero-padded to SEQUENCE_WIDTH."""
    if version < 0 or version >= 10**SEQUENCE_WIDTH:
        raise ValueError(f"sequence {version} is outside 0..10**{SEQUENCE_WIDTH} - 1")
    return f"{version:0{SEQUENCE_WIDTH}d}"
