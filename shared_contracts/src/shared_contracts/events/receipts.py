"""Receipts: what a consuming service did for one event of a deletion, reported back to the ledger.

Every service that handles an event carrying a `deletionid` writes one receipt for it in the
same transaction as its effect and its inbox row, and publishes it through its own outbox to the
`ripple.receipts` exchange, the receipts of one batch and one deletion in one message. The
catalog's deletion ledger folds them into the deletion's status.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared_contracts.events.envelope import EventData


class ReceiptStatus(StrEnum):
    """What a service did for an event.

    `done`: its effect happened here. `not_applicable`: nothing of it was held here (a product
    without media, a product never indexed, nobody subscribed). `failed`: it was dead-lettered
    (the reason says why); a redrive later sends `done`. `repaired`: an audit removed something
    no event announced.
    """

    DONE = "done"
    NOT_APPLICABLE = "not_applicable"
    FAILED = "failed"
    REPAIRED = "repaired"

    @property
    def settled(self) -> bool:
        """Whether this status ends the service's part for the event (all but `failed`)."""
        return self is not ReceiptStatus.FAILED


def receipt_source(service: str) -> str:
    """The CloudEvents `source` of a service's receipts, e.g. `/ripple/media`."""
    return f"/ripple/{service}"


MAX_RECEIPTS_PER_EVENT = 1000


class Receipt(BaseModel):
    """What one service did for one event of a deletion."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: uuid.UUID
    event_type: str = Field(max_length=100)
    status: ReceiptStatus
    reason: str = Field(default="", max_length=1000)
    item: str = Field(
        default="",
        max_length=300,
        description="What was handled, e.g. a repaired orphan `file products/4/x.jpg`.",
    )
    handled_at: AwareDatetime
    attempts: int = Field(default=1, ge=1)


class ReceiptV1(EventData):
    """A service's receipts for events of one deletion: done, not applicable, failed (with why), repaired.

    One message carries the receipts of a whole batch (up to 1,000): a message per event would
    double the messages a purge moves.
    """

    EVENT_TYPE: ClassVar[str] = "ripple.receipt.v1"

    deletion_id: uuid.UUID
    service: str = Field(min_length=1, max_length=50)
    receipts: list[Receipt] = Field(min_length=1, max_length=MAX_RECEIPTS_PER_EVENT)
