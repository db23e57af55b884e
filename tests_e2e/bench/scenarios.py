"""What each consuming service is given to drain in the benchmark, and how to tell it is done."""

from __future__ import annotations

from ripple_testing.servers import WebhookReceiver
from shared_contracts.events import (
    MediaDeletedV1,
    ProductDeletedV1,
    ProductUpsertedV1,
    build_event,
    sequence_for,
)
from shared_contracts.events.catalog import SOURCE, search_document_id

PROCESSED = "SELECT count(*) FROM ripple_inbox_processedevent"
INBOX_SPAN = (
    "SELECT extract(epoch FROM max(processed_at) - min(processed_at)) FROM ripple_inbox_processedevent"
)
DELIVERED = "SELECT count(*) FROM notifications_delivery WHERE status = 'succeeded'"
DELIVERY_SPAN = (
    "SELECT extract(epoch FROM (SELECT max(delivered_at) FROM notifications_delivery)"
    " - (SELECT min(processed_at) FROM ripple_inbox_processedevent))"
)
SPAN_SQL = {"media": INBOX_SPAN, "search": INBOX_SPAN, "notifications": DELIVERY_SPAN}


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

    return events, {}, _processed(count)


def _processed(count: int):
    """Done once the inbox holds `count` events."""
    return lambda db: db.execute(PROCESSED).fetchone()[0] >= count


def search(run, count: int):
    """Three upserts for every delete: new products indexed, a quarter of them deleted again."""
    deletes = count // 4
    products = range(count - deletes)
    events = [
        build_event(
            ProductUpsertedV1(
                product_id=n,
                sku=f"SKU-{n}",
                name=f"Stoneware mug {n}",
                description="A mug for the benchmark, glazed blue, 350 ml.",
                category_id=1,
                category_name="Kitchen",
                version=1,
                search_document_id=search_document_id(n),
                created=True,
            ),
            source=SOURCE,
            sequence=sequence_for(1),
        )
        for n in products
    ]
    events += [
        build_event(
            ProductDeletedV1(
                product_id=n,
                sku=f"SKU-{n}",
                name=f"Stoneware mug {n}",
                version=2,
                search_document_id=search_document_id(n),
            ),
            source=SOURCE,
            sequence=sequence_for(2),
        )
        for n in products[:deletes]
    ]
    return events, {}, _processed(count)


def notifications(run, count: int):
    """product.deleted events and one webhook endpoint on a local receiver: done when all delivered."""
    receiver = WebhookReceiver().start()
    run.cleanups.append(receiver.stop)
    run.manage(
        "shell",
        "-c",
        "from notifications.models import WebhookEndpoint; "
        f"WebhookEndpoint.objects.create(url='{receiver.url('/hook')}', event_types=[])",
    )
    events = [
        build_event(
            ProductDeletedV1(
                product_id=n,
                sku=f"SKU-{n}",
                name=f"Mug {n}",
                version=2,
                search_document_id=search_document_id(n),
            ),
            source=SOURCE,
        )
        for n in range(count)
    ]
    env = {"NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK": "1"}
    return events, env, lambda db: db.execute(DELIVERED).fetchone()[0] >= count


SCENARIOS = {"media": media, "search": search, "notifications": notifications}
