"""What each consuming service is given to drain in the benchmark, and how to tell it is done."""

from __future__ import annotations

from shared_contracts.events import MediaDeletedV1, build_event
from shared_contracts.events.catalog import SOURCE

PROCESSED = "SELECT count(*) FROM ripple_inbox_processedevent"
INBOX_SPAN = (
    "SELECT extract(epoch FROM max(processed_at) - min(processed_at)) FROM ripple_inbox_processedevent"
)
SPAN_SQL = {"media": INBOX_SPAN, "search": INBOX_SPAN}


def media(run, count: int):
    """catalog.media.deleted events, each for a real file on the benchmark's media root."""
    root = run.tmp / "media"
    events = []
    for n in range(count):
        key = f"products/{n // 100}/{n}.jpg"
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"jpeg")
        events.append(
            build_event(MediaDeletedV1(media_id=n, product_id=n // 100, storage_keys=[key]), source=SOURCE)
        )

    def done(db) -> bool:
        return db.execute(PROCESSED).fetchone()[0] >= count

    return events, {}, done


SCENARIOS = {"media": media}
