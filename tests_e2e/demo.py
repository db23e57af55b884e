"""`make demo`: seed a catalog with images, delete some of it, and print what each service did.

Runs against a running system (`make dev` or `docker compose up`) over its public APIs. The
token and Flower password come from the environment, else from var/dev.env (make dev), else
from .env or .env.example (compose). Webhooks go to a receiver the demo runs on 127.0.0.1, which
only a native system may call (compose's notifications service refuses it, and says so).
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

from ripple_testing.servers import WebhookReceiver

REPO_DIR = Path(__file__).resolve().parents[1]
PRODUCTS, DELETED_ONE_BY_ONE, DELETED_IN_BULK = 12, 3, 3
IMAGE = b"\xff\xd8\xff\xe0" + b"ripple demo image " * 40 + b"\xff\xd9"


def settings() -> dict[str, str]:
    """The environment, over the first env file found: var/dev.env (make dev), .env, .env.example."""
    var = Path(os.environ.get("RIPPLE_VAR_DIR", REPO_DIR / "var"))
    values: dict[str, str] = {}
    for path in (var / "dev.env", REPO_DIR / ".env", REPO_DIR / ".env.example"):
        if path.exists():
            lines = [
                line for line in path.read_text().splitlines() if "=" in line and not line.startswith("#")
            ]
            values = dict(line.split("=", 1) for line in lines)
            break
    return {**values, **os.environ}


def url(config: dict, service: str, path: str) -> str:
    """The URL of a service's path, on the ports make dev and compose use (or *_PORT overrides)."""
    ports = {"catalog": "8000", "search": "8001", "notifications": "8002", "flower": "5555"}
    return f"http://127.0.0.1:{config.get(f'{service.upper()}_PORT', ports[service])}{path}"


def wait(check, what: str, timeout: float = 60.0):
    """Poll until `check()` is truthy; say what we wait for; give up after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.25)
    raise SystemExit(f"demo: gave up waiting for {what}")


def seed(api: requests.Session, config: dict, tag: str) -> list[int]:
    """A category with products, each with one image."""
    category = api.post(
        url(config, "catalog", "/api/v1/categories/"), json={"name": f"Demo {tag}", "slug": f"demo-{tag}"}
    )
    category.raise_for_status()
    ids = []
    for n in range(PRODUCTS):
        product = api.post(
            url(config, "catalog", "/api/v1/products/"),
            json={
                "category": category.json()["id"],
                "sku": f"DEMO-{tag}-{n}",
                "name": f"Ripple {tag} mug {n}",
                "price": "9.90",
            },
        )
        product.raise_for_status()
        ids.append(product.json()["id"])
        api.post(
            url(config, "catalog", "/api/v1/media/"),
            data={"product": ids[-1]},
            files={"file": (f"mug-{n}.jpg", IMAGE, "image/jpeg")},
        ).raise_for_status()
    return ids


def hits(api: requests.Session, config: dict, tag: str) -> int:
    """How many demo products the search service finds."""
    response = api.get(
        url(config, "search", "/api/v1/search"), params={"q": f"ripple {tag}", "page_size": 100}
    )
    return response.json()["count"] if response.ok else -1


def main() -> int:
    """Seed, subscribe, delete, then report service by service."""
    config = settings()
    api = requests.Session()
    api.headers["Authorization"] = f"Token {config['RIPPLE_ADMIN_TOKEN']}"
    tag = uuid.uuid4().hex[:6]
    receiver = WebhookReceiver().start()
    hook = None
    try:
        hook = api.post(
            url(config, "notifications", "/api/v1/webhooks/"),
            json={"url": receiver.url(f"/demo-{tag}"), "event_types": ["catalog.product.deleted.v1"]},
        )
        answer = hook.json()
        print(f"notifications: webhook subscription {hook.status_code} {answer.get('url') or answer}")
        ids = seed(api, config, tag)
        print(f"catalog: {len(ids)} products with an image each, in category Demo {tag}")
        wait(lambda: hits(api, config, tag) == PRODUCTS, "search to index the products")
        print(f"search: {PRODUCTS} products indexed")

        doomed = ids[:DELETED_ONE_BY_ONE]
        for pk in doomed:
            api.delete(url(config, "catalog", f"/api/v1/products/{pk}/")).raise_for_status()
        bulk = api.post(
            url(config, "catalog", "/api/v1/products/bulk-delete/"),
            json={"ids": ids[len(doomed) : len(doomed) + DELETED_IN_BULK]},
        )
        bulk.raise_for_status()
        gone = len(doomed) + bulk.json()["products"]
        report = bulk.json()
        print(f"catalog: deleted {len(doomed)} products one by one, {report['products']} in bulk")

        left = wait(lambda: (n := hits(api, config, tag)) == PRODUCTS - gone and n, "search to drop them")
        print(f"search: {left} products left in the index; the {gone} deleted ones are gone (tombstoned)")
        if hook.ok:
            calls = wait(
                lambda: len(receiver.received(f"/demo-{tag}")) >= gone and receiver.received(f"/demo-{tag}"),
                "the webhooks",
            )
            print(f"notifications: {len(calls)} signed webhook calls received, one per deleted product")
        report_flower(config)
    finally:
        if hook is not None and hook.ok:
            unsubscribe(api, config, hook.json()["id"])
        receiver.stop()
    return 0


def unsubscribe(api: requests.Session, config: dict, hook_id: int) -> None:
    """Remove the demo's webhook: its receiver stops with the demo, so later deletes would pile up retries."""
    removed = api.delete(url(config, "notifications", f"/api/v1/webhooks/{hook_id}/"))
    print(f"notifications: webhook subscription {hook_id} removed ({removed.status_code})")


def report_flower(config: dict) -> None:
    """What Flower saw: succeeded tasks per task name (i.e. per service and event type)."""
    user, _, password = config.get("FLOWER_BASIC_AUTH", "").partition(":")
    try:
        tasks = requests.get(url(config, "flower", "/api/tasks"), auth=(user, password), timeout=5).json()
    except (requests.RequestException, ValueError):
        print("flower: not reachable")
        return
    counts = Counter((task["name"], task["state"]) for task in tasks.values())
    for (name, state), count in sorted(counts.items()):
        print(f"flower: {count:4d} x {name} {state}")


if __name__ == "__main__":
    sys.exit(main())
