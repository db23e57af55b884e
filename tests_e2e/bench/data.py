"""Seed rows fast (bulk SQL and COPY, not measured) and read back what the relay and the broker did."""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import UTC, datetime
from typing import NamedTuple

import psycopg
from kombu import Connection, Producer

from ripple_runtime.messaging.publisher import OutgoingMessage
from ripple_runtime.messaging.queues import all_queues, declare_topology, events_exchange
from shared_contracts.events import CONTENT_TYPE, MediaDeletedV1, ProductDeletedV1, build_event, sequence_for
from shared_contracts.events.catalog import SOURCE, Actor, MediaRef, search_document_id

MEDIA_NAMES = ("front.jpg", "side.jpg")
JPEG_BYTES = b"\xff\xd8\xff\xe0 bench jpeg bytes \xff\xd9"


class Outgoing(NamedTuple):
    """An event ready for the outbox or the wire, with the aggregate its outbox row names."""

    message: OutgoingMessage
    aggregate_type: str
    aggregate_id: str


def seed_products(db: psycopg.Connection, slug: str, count: int, media_root=None) -> tuple[int, list[int]]:
    """Create a category with `count` products of two media rows each; return its id and the product ids.

    With `media_root`, the two files of each product are written to storage as well.
    """
    with db.transaction():
        (category_id,) = db.execute(
            "INSERT INTO catalog_category (name, slug, description, created_at, updated_at)"
            " VALUES (%s, %s, '', now(), now()) RETURNING id",
            (f"Bench {slug}", slug),
        ).fetchone()
        product_ids = [
            row[0]
            for row in db.execute(
                "INSERT INTO catalog_product"
                " (category_id, sku, name, description, price, version, created_at, updated_at)"
                " SELECT %s, %s || '-' || g, 'Bench product ' || g, 'Seeded by the benchmark.', 9.99, 1,"
                " now(), now() FROM generate_series(1, %s) AS g RETURNING id",
                (category_id, slug.upper(), count),
            ).fetchall()
        ]
        media = [
            (pid, f"products/{pid}/{secrets.token_hex(6)}-{name}", name)
            for pid in product_ids
            for name in MEDIA_NAMES
        ]
        with db.cursor().copy(
            "COPY catalog_productmedia (product_id, file, original_name, content_type, size, created_at)"
            " FROM STDIN"
        ) as copy:
            now = datetime.now(UTC)
            for pid, key, name in media:
                copy.write_row((pid, key, name, "image/jpeg", len(JPEG_BYTES), now))
    # Statistics, as autovacuum would have them on a long-running database.
    db.execute("ANALYZE catalog_category, catalog_product, catalog_productmedia")
    if media_root is not None:
        for _, key, _ in media:
            path = media_root / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(JPEG_BYTES)
    return category_id, sorted(product_ids)


def delete_event_messages(count: int) -> list[Outgoing]:
    """`count` realistic serialised events: per product one product.deleted and two media.deleted."""
    actor = Actor(user_id=1, username="bench-admin")
    messages: list[Outgoing] = []
    product_id = 1_000_000
    while len(messages) < count:
        product_id += 1
        correlation = uuid.uuid4().hex
        refs = []
        for offset, name in enumerate(MEDIA_NAMES):
            media_id = product_id * 2 + offset
            keys = [f"products/{product_id}/{secrets.token_hex(6)}-{name}"]
            refs.append(MediaRef(media_id=media_id, storage_keys=keys))
            data = MediaDeletedV1(
                media_id=media_id,
                product_id=product_id,
                storage_keys=keys,
                content_type="image/jpeg",
                size=len(JPEG_BYTES),
                deleted_by=actor,
            )
            event = build_event(data, source=SOURCE, subject=f"media/{media_id}", correlationid=correlation)
            messages.append(_outgoing(event, "media", media_id))
        data = ProductDeletedV1(
            product_id=product_id,
            sku=f"SKU-{product_id}",
            name=f"Bench product {product_id}",
            category_id=7,
            version=2,
            search_document_id=search_document_id(product_id),
            media=refs,
            deleted_by=actor,
        )
        subject = f"product/{product_id}"
        event = build_event(
            data, source=SOURCE, subject=subject, correlationid=correlation, sequence=sequence_for(2)
        )
        messages.append(_outgoing(event, "product", product_id))
    return messages[:count]


def _outgoing(event, aggregate_type: str, aggregate_id: int) -> Outgoing:
    """The wire form of an event, as the relay reads it from an outbox row, and its aggregate."""
    message = OutgoingMessage(
        str(event.id), event.routing_key, event.to_json(), event.type, event.correlationid
    )
    return Outgoing(message, aggregate_type, str(aggregate_id))


def insert_pending(db: psycopg.Connection, messages: list[Outgoing]) -> float:
    """COPY the messages into the outbox as pending rows in one transaction; return the commit's wall time."""
    now = datetime.now(UTC)
    columns = "service, event_id, event_type, routing_key, aggregate_type, aggregate_id, correlation_id, body"
    sql = f"COPY outbox_outboxevent ({columns}, created_at, attempts, last_error) FROM STDIN"
    with db.transaction(), db.cursor().copy(sql) as copy:
        for out in messages:
            msg = out.message
            row = (
                "catalog",
                msg.message_id,
                msg.event_type,
                msg.routing_key,
                out.aggregate_type,
                out.aggregate_id,
            )
            copy.write_row((*row, msg.correlation_id or "", msg.body, now, 0, ""))
    return time.time()


def pending(db: psycopg.Connection) -> int:
    """How many outbox rows wait to be published."""
    return db.execute("SELECT count(*) FROM outbox_outboxevent WHERE published_at IS NULL").fetchone()[0]


def wait_until_published(db: psycopg.Connection, timeout: float, every: float = 0.002) -> float:
    """Poll until no outbox row is pending; return the wall time it was seen. Raises TimeoutError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pending(db) == 0:
            return time.time()
        time.sleep(every)
    raise TimeoutError(f"{pending(db)} outbox rows still pending after {timeout:.0f}s")


def last_published_at(db: psycopg.Connection) -> float:
    """The wall time (epoch seconds) of the most recent publication the relay recorded."""
    return db.execute(
        "SELECT extract(epoch FROM max(published_at))::float8 FROM outbox_outboxevent"
    ).fetchone()[0]


def purge_queues(broker_url: str) -> int:
    """Empty every queue of the topology; return how many messages were dropped."""
    dropped = 0
    with Connection(broker_url) as conn:
        channel = conn.channel()
        for queue in all_queues():
            dropped += queue(channel).purge() or 0
    return dropped


def queued_messages(broker_url: str) -> int:
    """How many messages the topology's queues hold in total."""
    with Connection(broker_url) as conn:
        channel = conn.channel()
        return sum(channel.queue_declare(queue.name, passive=True).message_count for queue in all_queues())


def publish_plain(broker_url: str, messages: list[Outgoing]) -> float:
    """Publish the messages persistent, unconfirmed, one after the other; return the loop's seconds."""
    with Connection(broker_url) as conn:
        channel = conn.channel()
        declare_topology(channel)
        producer = Producer(channel, exchange=events_exchange)
        started = time.perf_counter()
        for msg in (out.message for out in messages):
            producer.publish(
                msg.body,
                routing_key=msg.routing_key,
                content_type=CONTENT_TYPE,
                content_encoding="utf-8",
                delivery_mode=2,
                retry=False,
                message_id=msg.message_id,
                correlation_id=msg.correlation_id,
                type=msg.event_type,
                timestamp=int(time.time()),
            )
        return time.perf_counter() - started


def seed_products_orm(prefix: str, count: int) -> None:
    """Inside the catalog's Django (any database): `count` products with two media rows each, in bulk.

    No signals fire (bulk_create), so nothing is published and nothing indexed: the caller writes
    the files and fills the search index. Prints `[[product id, [storage keys]], ...]` as JSON.
    """
    import json

    from catalog.models import Category, Product, ProductMedia

    category = Category.objects.create(name=f"Bench {prefix}", slug=prefix.lower())
    products = Product.objects.bulk_create(
        Product(category=category, sku=f"{prefix}-{n}", name=f"Bench product {n}", price="9.99")
        for n in range(count)
    )
    media = ProductMedia.objects.bulk_create(
        ProductMedia(
            product=product,
            file=f"products/{product.pk}/{secrets.token_hex(6)}-{name}",
            original_name=name,
            content_type="image/jpeg",
            size=len(JPEG_BYTES),
        )
        for product in products
        for name in MEDIA_NAMES
    )
    keys: dict[int, list[str]] = {product.pk: [] for product in products}
    for row in media:
        keys[row.product_id].append(row.file.name)
    print(json.dumps(list(keys.items())))
