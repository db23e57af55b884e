"""Events the catalog publishes: a snapshot of what was deleted or changed, since the row may be gone."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from shared_contracts.events.envelope import EventData

SOURCE = "/ripple/catalog"


class Actor(BaseModel):
    """Who caused the change: a user of the catalog, or None for system work."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    user_id: int | None = None
    username: str = Field(max_length=150)


class MediaRef(BaseModel):
    """A media file of a product as it was when the product was deleted."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    media_id: int
    storage_keys: list[str] = Field(min_length=1)

    @field_validator("storage_keys")
    @classmethod
    def keys_are_relative(cls, keys: list[str]) -> list[str]:
        """Every storage key is a relative name (the media service re-checks it against its root)."""
        return [_check_storage_key(key) for key in keys]


def _check_storage_key(key: str) -> str:
    """Storage keys are relative names on the catalog's storage; refuse anything else at the edge."""
    if not key or key.startswith(("/", "\\")) or "\x00" in key:
        raise ValueError(f"storage key {key!r} must be a non-empty relative name")
    return key


class ProductDeletedV1(EventData):
    """A product is gone: deindex it, forget it, tell whoever subscribed."""

    EVENT_TYPE: ClassVar[str] = "catalog.product.deleted.v1"

    product_id: int
    sku: str = Field(max_length=64)
    name: str = Field(max_length=200)
    category_id: int | None = None
    version: int = Field(ge=1, description="Product version after the delete; greater than any upsert.")
    search_document_id: str
    media: list[MediaRef] = Field(
        default_factory=list,
        description="The media rows deleted with the product, whose files must go too; no"
        " catalog.media.deleted event is emitted for them.",
    )
    deleted_by: Actor | None = None


class MediaDeletedV1(EventData):
    """A media row deleted on its own (not with its product) is gone: its stored files must go too."""

    EVENT_TYPE: ClassVar[str] = "catalog.media.deleted.v1"

    media_id: int
    product_id: int
    storage_keys: list[str] = Field(min_length=1)
    content_type: str | None = None
    size: int | None = Field(default=None, ge=0)
    deleted_by: Actor | None = None

    @field_validator("storage_keys")
    @classmethod
    def keys_are_relative(cls, keys: list[str]) -> list[str]:
        """Every storage key is a relative name (the media service re-checks it against its root)."""
        return [_check_storage_key(key) for key in keys]


class CategoryDeletedV1(EventData):
    """A category is gone; each of its products has its own product.deleted event too."""

    EVENT_TYPE: ClassVar[str] = "catalog.category.deleted.v1"

    category_id: int
    name: str = Field(max_length=100)
    slug: str = Field(max_length=100)
    product_ids: list[int] = Field(default_factory=list)
    deleted_by: Actor | None = None


class ProductUpsertedV1(EventData):
    """A product was created or changed; `version` orders it against other events of the product."""

    EVENT_TYPE: ClassVar[str] = "catalog.product.upserted.v1"

    product_id: int
    sku: str = Field(max_length=64)
    name: str = Field(max_length=200)
    description: str = ""
    price: Decimal | None = Field(default=None, max_digits=12, decimal_places=2)
    category_id: int | None = None
    category_name: str | None = None
    version: int = Field(ge=1)
    search_document_id: str
    created: bool = False
    changed_by: Actor | None = None


class FailedEvent(BaseModel):
    """One event of a deletion that a service could not handle, and why."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: uuid.UUID
    event_type: str
    service: str
    reason: str


class DeletionOutcome(EventData):
    """How a deletion ended: what was asked, when, and what each service reported."""

    deletion_id: uuid.UUID
    kind: str = Field(max_length=20, description="single, bulk, cascade, admin or other.")
    summary: str = Field(max_length=200)
    requested_at: AwareDatetime
    requested_by: Actor | None = None
    events: int = Field(ge=0)
    receipts: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="Per service, how many receipts of each status."
    )


class DeletionCompletedV1(DeletionOutcome):
    """Every expected service reported `done` or `not_applicable` for every event of the deletion."""

    EVENT_TYPE: ClassVar[str] = "catalog.deletion.completed.v1"

    completed_at: AwareDatetime


class DeletionFailedV1(DeletionOutcome):
    """A service dead-lettered an event of the deletion; a redrive may still complete it."""

    EVENT_TYPE: ClassVar[str] = "catalog.deletion.failed.v1"

    failed_at: AwareDatetime
    failed_events: list[FailedEvent] = Field(
        default_factory=list, description="The first ones, with reasons."
    )


def search_document_id(product_id: int) -> str:
    """The id of a product's document in the search index; one name for it everywhere."""
    return f"product:{product_id}"
