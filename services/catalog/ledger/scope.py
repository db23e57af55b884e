"""Open a deletion around a delete: every delete event recorded inside it belongs to it.

    with scope.deletion(Deletion.Kind.SINGLE, "product 42") as opened:
        product.delete()
    opened.id  # where to follow it: /api/v1/deletions/<id>/

The block runs in one transaction with the outbox batch, so the deletion, its events and their
outbox rows commit together with the delete itself, or not at all. Nested blocks join the
outer one. A delete event recorded outside any block (a shell, a script) opens a deletion of
its own, of kind `other`. A block in which nothing was deleted leaves no deletion behind.
With LEDGER_ENABLED=0 nothing is recorded and events carry no deletion id, so no service sends
receipts (the bench measures the ledger's cost that way).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from catalog.request_context import current_correlation_id, current_user
from ledger import outcomes
from ledger.models import Deletion, DeletionEvent
from ripple_runtime import bulk
from ripple_runtime.outbox import recorder
from shared_contracts import topology
from shared_contracts.events import CloudEvent

_local = threading.local()
EVENT_COLUMNS = ("deletion_id", "event_id", "event_type", "subject")


@dataclass
class OpenDeletion:
    """A deletion being recorded: its id (stamped on every event) and the events so far."""

    kind: str
    summary: str
    enabled: bool = True
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    events: list[tuple[uuid.UUID, str, str]] = field(default_factory=list)
    written: Deletion | None = None

    @property
    def stamp(self) -> uuid.UUID | None:
        """The `deletionid` its events carry (None with the ledger off)."""
        return self.id if self.enabled else None

    def add(self, event: CloudEvent) -> None:
        """Count an event as part of this deletion."""
        if self.enabled:
            self.events.append((event.id, event.type, event.subject or ""))


def current() -> OpenDeletion | None:
    """The deletion open on this thread, if any."""
    return getattr(_local, "open", None)


@contextmanager
def deletion(kind: str, summary: str) -> Iterator[OpenDeletion]:
    """Group every delete event of the block into one deletion, written when the block ends."""
    opened = current()
    if opened is not None:
        yield opened
        return
    with recorder.batch():
        opened = _local.open = OpenDeletion(kind, summary, enabled=settings.LEDGER_ENABLED)
        try:
            yield opened
            if opened.events:
                opened.written = _write(opened)
        finally:
            _local.open = None


def _write(opened: OpenDeletion) -> Deletion:
    """Insert the deletion with what each service owes, and its events."""
    by_type = Counter(event_type for _, event_type, _ in opened.events)
    expected: Counter = Counter()
    for event_type, count in by_type.items():
        for service in topology.expected_services(event_type):
            expected[service] += count
    user = current_user()
    row = Deletion.objects.create(
        id=opened.id,
        kind=opened.kind,
        summary=opened.summary[:200],
        requested_at=timezone.now(),
        requested_by_id=user.pk if user else None,
        requested_by=user.get_username() if user else "",
        correlation_id=current_correlation_id() or "",
        events=len(opened.events),
        expected=dict(sorted(expected.items())),
        expected_total=sum(expected.values()),
    )
    bulk.insert_rows(
        DeletionEvent,
        EVENT_COLUMNS,
        ((opened.id, event_id, event_type, subject[:200]) for event_id, event_type, subject in opened.events),
    )
    if row.expected_total == 0:  # nobody is bound to these events: nothing to wait for
        outcomes.settle(row, timezone.now())
    return row
