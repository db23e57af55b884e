"""One run of `make dev` for the metrics tests: good deletes, a poison event, a failing webhook.

`observed_run` drives the run and waits until it settled everywhere; `facts` reads what the
run did from the services' own databases (outbox, inbox, delivery attempts, ledger), so the
tests compare the metrics with the system's records, not with numbers written down twice.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from dataclasses import dataclass

import requests
from prometheus_client.parser import text_string_to_metric_families

from ripple_runtime.messaging.publisher import ConfirmingPublisher, OutgoingMessage
from ripple_testing.processes import wait_until
from ripple_testing.servers import Reply, WebhookReceiver
from tests_e2e.system import DevSystem, RabbitDefinitions

PRODUCTS = 3
POISON_ID = "00000000-0000-4000-8000-00000000beef"
CONSUMERS = ("media", "search", "notifications")  # each is bound to catalog.product.deleted
WORKER_SERVICES = ("catalog", *CONSUMERS)


def samples(text: str) -> Counter:
    """Every sample of a scrape by (name, sorted labels), parsed by prometheus_client's own parser."""
    found: Counter = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return found


def scrape(url: str) -> Counter:
    """GET one `/metrics` and parse it."""
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, (url, response.status_code)
    return samples(response.text)


def total(scraped: Counter, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include `labels`."""
    return sum(
        value
        for (sample_name, sample_labels), value in scraped.items()
        if sample_name == name and set(labels.items()) <= set(sample_labels)
    )


def by_label(scraped: Counter, name: str, label: str, **labels: str) -> dict[str, float]:
    """A metric's samples (matching `labels`) summed per value of one label, zeros left out."""
    found: Counter = Counter()
    for (sample_name, sample_labels), value in scraped.items():
        as_dict = dict(sample_labels)
        if sample_name == name and set(labels.items()) <= set(sample_labels) and value:
            found[as_dict[label]] += value
    return dict(found)


@dataclass
class Facts:
    """What the run did, as the services' databases record it."""

    published: dict[str, dict[str, int]]  # service -> event type -> outbox rows published
    pending: dict[str, int]  # service -> outbox rows not yet published
    inbox: dict[str, dict[str, int]]  # service -> event type -> events processed
    attempts: dict[tuple[str, str, str], int]  # (channel, outcome, status class) -> attempts
    succeeded: dict[str, int]  # channel -> successful attempts
    open_deletions: int


def query(system: DevSystem, service: str, sql: str, *params) -> list[tuple]:
    """Rows from one service's SQLite database under make dev's var dir (read-only)."""
    with closing(
        sqlite3.connect(f"file:{system.var / f'{service}.sqlite3'}?mode=ro", uri=True, timeout=20)
    ) as db:
        return db.execute(sql, params).fetchall()


def facts(system: DevSystem) -> Facts:
    """Read what the run did from every service's database."""
    published, pending, inbox = {}, {}, {}
    for service in WORKER_SERVICES:
        rows = query(
            system,
            service,
            "SELECT event_type, count(*) FROM outbox_outboxevent WHERE service = ? "
            "AND published_at IS NOT NULL GROUP BY event_type",
            service,
        )
        published[service] = dict(rows)
        pending[service] = query(
            system,
            service,
            "SELECT count(*) FROM outbox_outboxevent WHERE service = ? AND published_at IS NULL",
            service,
        )[0][0]
        inbox[service] = dict(
            query(
                system,
                service,
                "SELECT event_type, count(*) FROM ripple_inbox_processedevent WHERE service = ? "
                "GROUP BY event_type",
                service,
            )
        )
    attempts: Counter = Counter()
    succeeded: Counter = Counter()
    for channel, outcome, code, count in query(
        system,
        "notifications",
        "SELECT d.channel, a.outcome, a.status_code, count(*) FROM notifications_deliveryattempt a "
        "JOIN notifications_delivery d ON d.id = a.delivery_id GROUP BY d.channel, a.outcome, a.status_code",
    ):
        attempts[channel, outcome, f"{code // 100}xx" if code else "none"] += count
        succeeded[channel] += count if outcome == "succeeded" else 0
    open_deletions = query(system, "catalog", "SELECT count(*) FROM ledger_deletion WHERE status = 'pending'")
    return Facts(published, pending, inbox, dict(attempts), dict(succeeded), open_deletions[0][0])


def publish_poison(system: DevSystem, rabbit: RabbitDefinitions) -> None:
    """One unreadable event on the catalog's exchange, published as the catalog's own broker user."""
    url = f"amqp://{rabbit.prefix}catalog:{rabbit.passwords['catalog']}@127.0.0.1:5672/{rabbit.vhost}"
    publisher = ConfirmingPublisher(url, declare=False)
    try:
        message = OutgoingMessage(
            POISON_ID, "catalog.product.deleted", "{not json", "catalog.product.deleted.v1"
        )
        assert not publisher.publish_batch([message]).failed
    finally:
        publisher.close()


def observed_run(system: DevSystem, rabbit: RabbitDefinitions, receiver: WebhookReceiver) -> int:
    """Good deletes, a poison event and a webhook that always fails; wait until all of it settled.

    Returns how many products were deleted through the API.
    """
    api = system.api()
    receiver.script("/failing", *[Reply(status=503)] * 20)
    for path in ("/hook", "/failing"):
        hook = api.post(
            system.url("notifications", "/api/v1/webhooks/"),
            json={"url": receiver.url(path), "event_types": ["catalog.product.deleted.v1"]},
        )
        assert hook.status_code == 201, hook.text
    shelf = api.post(
        system.url("catalog", "/api/v1/categories/"), json={"name": "Metrics", "slug": "metrics"}
    )
    assert shelf.status_code == 201, shelf.text
    ids = []
    for n in range(PRODUCTS):
        made = api.post(
            system.url("catalog", "/api/v1/products/"),
            json={
                "category": shelf.json()["id"],
                "sku": f"METRIC-{n}",
                "name": f"Metric {n}",
                "price": "1.00",
            },
        )
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    upload = api.post(
        system.url("catalog", "/api/v1/media/"),
        data={"product": ids[0]},
        files={"file": ("one.jpg", b"\xff\xd8\xff\xe0metrics\xff\xd9", "image/jpeg")},
    )
    assert upload.status_code == 201, upload.text

    def indexed() -> bool:
        hits = api.get(system.url("search", "/api/v1/search"), params={"q": "Metric"}).json()["results"]
        return sorted(hit["product_id"] for hit in hits) == sorted(ids)

    wait_until(indexed, timeout=120, what="the products in search")
    for product_id in ids:
        assert api.delete(system.url("catalog", f"/api/v1/products/{product_id}/")).status_code == 204
    publish_poison(system, rabbit)

    def settled() -> bool:
        deliveries = api.get(system.url("notifications", "/api/v1/deliveries/")).json()["results"]
        closed = len(deliveries) == 2 * PRODUCTS and all(
            d["status"] in ("succeeded", "failed") for d in deliveries
        )
        now = facts(system)
        return closed and now.open_deletions == 0 and not any(now.pending.values())

    wait_until(settled, timeout=180, what="every delivery closed, every deletion settled, every outbox sent")
    return PRODUCTS
