"""What the end-to-end bench drives: Ripple's whole system or the naive shop, behind one small interface.

Each subject deletes products over HTTP (one, or in bulk), and says what of their effects can be
seen: files left on disk, search hits or rows left, webhooks its receiver got, and the counters
of its stages (for Ripple: outbox rows published, events waiting in each queue, each service's
inbox rows; for the naive shop: tasks waiting in each queue).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from pathlib import Path

import requests
from kombu import Connection

from tests_e2e.bench.data import JPEG_BYTES, MEDIA_NAMES
from tests_e2e.bench.harness import REPO_DIR, run_checked
from tests_e2e.bench.ledger import index_catalog
from tests_e2e.bench.naive.system import QUEUES as NAIVE_QUEUES
from tests_e2e.bench.naive.system import NaiveSystem
from tests_e2e.faults.system import WholeSystem

RIPPLE_EVENT_QUEUES = ("media.catalog-events", "search.catalog-events", "notifications.catalog-events")
CONSUMERS = ("media", "search", "notifications")
SETTLE_TIMEOUT_S = 30.0


def files_left(media_root: Path, product_ids) -> int:
    """Stored files left in the product folders of these products."""
    total = 0
    for product_id in product_ids:
        with contextlib.suppress(FileNotFoundError):
            total += len(os.listdir(media_root / "products" / str(product_id)))
    return total


class QueueDepths:
    """Messages ready in some queues, read over one connection of the bench's own (past any proxy)."""

    def __init__(self, broker_url: str, queues: tuple[str, ...]):
        """Connect to the broker."""
        self.queues = queues
        self.connection = Connection(broker_url)
        self.channel = self.connection.channel()

    def read(self) -> dict[str, int]:
        """`queue <name>` → messages ready, for each queue (a queue not declared yet counts 0)."""
        depths = {}
        for name in self.queues:
            try:
                depths[f"queue {name}"] = self.channel.queue_declare(name, passive=True).message_count
            except Exception:  # not declared yet: the passive declare closed the channel
                self.channel = self.connection.channel()
                depths[f"queue {name}"] = 0
        return depths

    def close(self) -> None:
        """Close the connection."""
        self.connection.release()


class Subject:
    """What both subjects share: a system with a media root and a webhook receiver, and its queues."""

    label = ""

    def __init__(self, system, broker_url: str, queues: tuple[str, ...]):
        """Drive this running system; watch these queues of its broker."""
        self.system = system
        self.media_root = system.media_root
        self.queues = QueueDepths(broker_url, queues)

    def webhooks(self) -> int:
        """Webhooks the receiver has got so far."""
        return len(self.system.receiver.received("/hook"))

    def close(self) -> None:
        """Close the bench's own broker connection."""
        self.queues.close()


class RippleSubject(Subject):
    """Ripple's whole system (tests_e2e.faults.system), with a webhook subscriber and no mail."""

    label = "ripple"

    def __init__(self, system: WholeSystem):
        """Drive this running system."""
        super().__init__(system, system.broker.direct_url(), RIPPLE_EVENT_QUEUES)
        self.session = system.api()
        self.search_session = requests.Session()  # polled like the naive shop's: one session, no token
        self.skus = system.skus

    def delete_url(self, product_id: int) -> str:
        """The URL a single DELETE goes to."""
        return self.system.catalog_url(f"/api/v1/products/{product_id}/")

    def settle(self, answer: requests.Response) -> None:
        """Wait until the delete's deletion is complete: every service's receipt folded into the ledger."""
        url = answer.headers["Location"]  # absolute
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while self.session.get(url, timeout=10).json()["status"] != "complete":
            if time.monotonic() > deadline:
                raise RuntimeError(f"deletion {url} not complete after {SETTLE_TIMEOUT_S:.0f} s")
            time.sleep(0.02)

    def bulk_delete(self, ids: list[int]) -> requests.Response:
        """POST the catalog's bulk delete of these ids."""
        return self.session.post(
            self.system.catalog_url("/api/v1/products/bulk-delete/"), json={"ids": ids}, timeout=900
        )

    def seed_singles(self, prefix: str, count: int) -> list[int]:
        """Products with one image each through the API, indexed in search."""
        return self.system.seed(prefix, count)

    def seed_purge(self, prefix: str, count: int) -> list[int]:
        """Products with two stored files each (bulk, not measured), then indexed by `manage.py reindex`."""
        snippet = (
            f"from tests_e2e.bench.data import seed_products_orm; seed_products_orm({prefix!r}, {count})"
        )
        env = {**self.system.process_env("catalog"), "PYTHONPATH": str(REPO_DIR)}
        argv = [sys.executable, "manage.py", "shell", "-c", snippet]
        keys = json.loads(run_checked(argv, cwd=REPO_DIR / "services" / "catalog", env=env).splitlines()[-1])
        for _, storage_keys in keys:
            for key in storage_keys:
                path = self.media_root / key
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(JPEG_BYTES)
        index_catalog(self.system)
        return [product_id for product_id, _ in keys]

    def search_hit(self, product_id: int) -> bool:
        """Does the search API still find the product by its SKU?"""
        answer = self.search_session.get(
            f"http://127.0.0.1:{self.system.ports['search']}/api/v1/search",
            params={"q": self.skus[product_id]},
            timeout=5,
        )
        return product_id in {hit["product_id"] for hit in answer.json()["results"]}

    def search_rows(self, low: int, high: int) -> int:
        """Search documents left of the products with ids in [low, high]."""
        query = "SELECT count(*) FROM search_document WHERE product_id BETWEEN %s AND %s"
        return self.system.sql("search", query, low, high)[0][0]

    def close(self) -> None:
        """Close the search session and the bench's own broker connection."""
        self.search_session.close()
        super().close()

    def stages(self) -> dict[str, int]:
        """Outbox rows published, events ready in each queue, inbox rows of each service."""
        published = "SELECT count(*) FROM outbox_outboxevent WHERE published_at IS NOT NULL"
        inbox = "SELECT count(*) FROM ripple_inbox_processedevent"
        counts = {"outbox published": self.system.sql("catalog", published)[0][0]}
        counts.update(self.queues.read())
        counts.update({f"{service} inbox": self.system.sql(service, inbox)[0][0] for service in CONSUMERS})
        return counts


class NaiveSubject(Subject):
    """The naive shop (tests_e2e.bench.naive): `post_delete` receivers calling `task.delay()`."""

    label = "naive"

    def __init__(self, system: NaiveSystem):
        """Drive this running shop."""
        super().__init__(system, system.vhost.url(), NAIVE_QUEUES)
        self.session = requests.Session()
        self.skus: dict[int, str] = {}

    def delete_url(self, product_id: int) -> str:
        """The URL a single DELETE goes to."""
        return f"{self.system.url}/products/{product_id}/"

    def bulk_delete(self, ids: list[int]) -> requests.Response:
        """POST the shop's bulk delete of these ids."""
        return self.session.post(f"{self.system.url}/products/bulk-delete/", json={"ids": ids}, timeout=900)

    def seed_singles(self, prefix: str, count: int) -> list[int]:
        """Products with two images each and their search rows."""
        ids = self.system.seed(prefix, count)
        self.skus.update({product_id: f"{prefix}-{n}" for n, product_id in enumerate(ids)})
        return ids

    seed_purge = seed_singles

    def settle(self, answer: requests.Response) -> None:
        """Nothing to wait for: the shop keeps no books, so once its effects are seen its work is done."""

    def search_hit(self, product_id: int) -> bool:
        """Does the shop's search still find the product by its SKU?"""
        answer = self.session.get(f"{self.system.url}/search", params={"q": self.skus[product_id]}, timeout=5)
        return product_id in {hit["product_id"] for hit in answer.json()["results"]}

    def search_rows(self, low: int, high: int) -> int:
        """Search rows left of the products with ids in [low, high]."""
        return self.system.search_rows(low, high)

    def stages(self) -> dict[str, int]:
        """Tasks ready in each of the three queues."""
        return self.queues.read()


MEDIA_PER_PRODUCT = len(MEDIA_NAMES)
