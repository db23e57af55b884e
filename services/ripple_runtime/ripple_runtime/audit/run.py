"""One audit run: its deletion id, its cut-off in time, and the `repaired` receipts of what it fixed.

Race safety: what changed at or after the run's cut-off (its start minus AUDIT_GRACE_SECONDS)
is never touched, whatever the catalog's listing says, because a listing read page by page
cannot speak for what was created or changed while it was read (an upload writes its file
before its row commits; a document is written only after its product's commit). The grace
covers uploads still in flight when the run began and clocks a little apart.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from ripple_runtime.messaging import receipts
from shared_contracts.events import ReceiptStatus

ORPHAN = "audit.orphan"  # a receipt's event_type: removed something the catalog no longer has
BEHIND = "audit.behind"  # a receipt's event_type: brought a copy up to the catalog's version


@dataclass
class AuditRun:
    """An audit of one service; `id` is the ledger deletion (kind `audit`) its receipts open."""

    service: str
    fix: bool
    grace_seconds: float
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    started_at: datetime = field(default_factory=timezone.now)
    counts: Counter = field(default_factory=Counter)

    @classmethod
    def from_settings(cls, fix: bool) -> AuditRun:
        """A run of this service (RIPPLE_SERVICE) with the configured grace."""
        return cls(settings.RIPPLE_SERVICE, fix, settings.AUDIT["GRACE_SECONDS"])

    @property
    def cutoff(self) -> datetime:
        """Anything changed at or after this instant is left alone."""
        return self.started_at - timedelta(seconds=self.grace_seconds)

    def item_event_id(self, item: str) -> uuid.UUID:
        """The receipt's event id of one item: the same for the same (run, item), so never counted twice."""
        return uuid.uuid5(self.id, item)

    def record_repaired(self, event_type: str, items: list[str]) -> None:
        """Write one `repaired` receipt per item into this service's outbox (in the caller's transaction)."""
        if items:
            receipts.record(
                self.service,
                self.id,
                [
                    receipts.answer(self.item_event_id(item), event_type, ReceiptStatus.REPAIRED, item=item)
                    for item in items
                ],
            )
        self.counts["receipts"] += len(items)
