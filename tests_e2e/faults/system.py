"""The whole system for the fault suite: every process through ripple.sh, the broker behind a proxy.

Each service gets its own PostgreSQL database, the catalog's media folder is shared with the
media worker, every process reaches RabbitMQ through a TCP proxy the test can cut, and a real
webhook receiver and SMTP server stand in for the customers. `outcome()` says, per deleted
product, what is left anywhere and what was done how often.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
from pathlib import Path

import requests

from ripple_runtime.metrics.exposition import PORT_OFFSETS
from ripple_testing.entrypoints import ripple_processes
from ripple_testing.processes import ManagedProcess, wait_until
from ripple_testing.servers import WebhookReceiver, free_port, free_port_block, start_smtp
from tests_e2e.faults.brokers import ClusterBroker, DirectBroker, ProxiedBroker
from tests_e2e.faults.databases import Databases, in_list
from tests_e2e.faults.outcome import Outcome

SERVICES = ("catalog", "media", "search", "notifications")
WORKERS = ("catalog", "media", "search", "notifications")
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


class WholeSystem:
    """Databases, vhost, proxy, receivers and every process; a context manager that removes it all."""

    def __init__(
        self,
        tmp: Path,
        engine: str = "postgres",
        broker: DirectBroker | ClusterBroker | None = None,
        extra_env: dict[str, str] | None = None,
        subscribe: bool = True,
    ):
        """Choose names, ports and secrets; nothing starts before `__enter__`.

        `subscribe=False` leaves notifications without webhook or e-mail subscribers.
        """
        tag = secrets.token_hex(4)
        self.extra_env = extra_env or {}
        self.subscribe = subscribe
        self.tmp, self.media_root = tmp, tmp / "media"
        self.broker = broker or ProxiedBroker()
        self.databases = Databases(engine, f"faults_{tag}", SERVICES, tmp)
        self.token = secrets.token_hex(20)
        self.ports = {"catalog": free_port(), "search": free_port(), "notifications": free_port()}
        # /metrics of every process on ports of its own, never the defaults a `make dev` may hold
        self.metrics_base_port = free_port_block(len(PORT_OFFSETS))
        self.receiver = WebhookReceiver()
        self.processes: dict[str, ManagedProcess] = {}
        self._stack = contextlib.ExitStack()
        self._starters: dict = {}
        self.webhook_secret = ""
        self.skus: dict[int, str] = {}

    def env(self, service: str) -> dict[str, str]:
        """The environment of a service's processes."""
        return {
            "DATABASE_URL": self.databases.url(service),
            "BROKER_URL": self.broker.url(),
            "DJANGO_SECRET_KEY": "faults-" + self.token,
            "DJANGO_DEBUG": "0",
            "MEDIA_ROOT": str(self.media_root),
            "RIPPLE_VAR_DIR": str(self.tmp),
            "STATIC_ROOT": str(self.tmp / "static"),
            "RIPPLE_ADMIN_USER": "admin",
            "RIPPLE_ADMIN_PASSWORD": secrets.token_urlsafe(12),
            "RIPPLE_ADMIN_TOKEN": self.token,
            "CATALOG_PORT": str(self.ports["catalog"]),
            "SEARCH_PORT": str(self.ports["search"]),
            "NOTIFICATIONS_PORT": str(self.ports["notifications"]),
            "METRICS_BASE_PORT": str(self.metrics_base_port),
            "CATALOG_API_URL": f"http://127.0.0.1:{self.ports['catalog']}",
            "CATALOG_API_TOKEN": self.token,
            "NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK": "1",
            "NOTIFICATIONS_RETRY_SCHEDULE": "1,1,2,4,8",
            # A delivery whose task died with a SIGKILLed worker is picked up again within seconds.
            "NOTIFICATIONS_REQUEUE_EVERY_SECONDS": "2",
            "NOTIFICATIONS_REQUEUE_IDLE_SECONDS": "10",
            "EVENT_RETRY_BASE_DELAY": "0.5",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.mailbox.port),
            "OUTBOX_POLL_INTERVAL": "0.5",
            "OUTBOX_MAX_BACKOFF": "2",
            "LOG_LEVEL": "INFO",  # a worker says " ready." at INFO
            **self.extra_env,
        }

    def process_env(self, service: str) -> dict[str, str]:
        """The whole environment of a one-off command of a service (`manage.py …`), as ripple.sh gives it."""
        return {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            **self.env(service),
        }

    def __enter__(self) -> WholeSystem:
        """Create everything, migrate every database, start every process, subscribe the receivers."""
        try:
            self._create()
            self._start_all()
            if self.subscribe:
                self._subscribe()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _create(self) -> None:
        """Vhost, proxy, receivers, databases and folders."""
        self.broker.create()
        self._stack.callback(self.broker.delete)
        self.receiver.start()
        self._stack.callback(self.receiver.stop)
        controller, self.mailbox = start_smtp()
        self._stack.callback(controller.stop)
        self.databases.create()
        self._stack.callback(self.databases.drop)
        self.media_root.mkdir(parents=True)
        for service in SERVICES:
            self._starters[service] = self._stack.enter_context(
                ripple_processes(service, self.env(service), self.tmp)
            )
            migrate = self._starters[service]("migrate")
            assert migrate.process.wait(timeout=300) == 0, migrate.log()

    def start(self, name: str) -> ManagedProcess:
        """(Re)start one process by its compose name, e.g. `media-worker`, and wait until it serves."""
        service, role = name.rsplit("-", 1)
        process = self._starters[service](role)
        self.processes[name] = process
        if role == "worker":
            wait_until(lambda: " ready." in process.log(), timeout=120, what=f"{name} ready")
        elif role == "api" and service in self.ports:
            port = self.ports[service]
            wait_until(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), timeout=120, what=f"{name} up")
        return process

    def _start_all(self) -> None:
        """Every long-running process the flow needs."""
        for name in ("catalog-api", "notifications-api", "catalog-relay", *(f"{w}-worker" for w in WORKERS)):
            self.start(name)

    def subscribe_webhook(self) -> None:
        """The receiver's /hook as a webhook for product deletes."""
        hook = self.api().post(
            f"http://127.0.0.1:{self.ports['notifications']}/api/v1/webhooks/",
            json={"url": self.receiver.url("/hook"), "event_types": ["catalog.product.deleted.v1"]},
        )
        assert hook.status_code == 201, hook.text
        self.webhook_secret = hook.json()["secret"]

    def _subscribe(self) -> None:
        """A webhook and an e-mail recipient for product deletes."""
        self.subscribe_webhook()
        base = f"http://127.0.0.1:{self.ports['notifications']}/api/v1"
        mail = self.api().post(
            f"{base}/email-recipients/",
            json={"email": "ops@example.com", "event_types": ["catalog.product.deleted.v1"]},
        )
        assert mail.status_code == 201, mail.text

    def __exit__(self, *exc_info) -> None:
        """Stop every process and remove everything this run created."""
        self._stack.close()

    def api(self) -> requests.Session:
        """A session with the admin token."""
        session = requests.Session()
        session.headers["Authorization"] = f"Token {self.token}"
        return session

    def catalog_url(self, path: str) -> str:
        """A URL of the catalog API."""
        return f"http://127.0.0.1:{self.ports['catalog']}{path}"

    def sql(self, service: str, query: str, *params) -> list[tuple]:
        """Rows of a query in a service's database."""
        return self.databases.query(service, query, *params)

    def seed(self, prefix: str, count: int) -> list[int]:
        """Products with one image each, created through the API; their ids."""
        api = self.api()
        category = api.post(
            self.catalog_url("/api/v1/categories/"), json={"name": prefix, "slug": prefix.lower()}
        )
        assert category.status_code == 201, category.text
        ids = []
        for i in range(count):
            product = api.post(
                self.catalog_url("/api/v1/products/"),
                json={
                    "category": category.json()["id"],
                    "sku": f"{prefix}-{i}",
                    "name": f"{prefix} {i}",
                    "price": "1.00",
                },
            )
            assert product.status_code == 201, product.text
            upload = api.post(
                self.catalog_url("/api/v1/media/"),
                data={"product": product.json()["id"]},
                files={"file": (f"{prefix}-{i}.png", PNG, "image/png")},
            )
            assert upload.status_code == 201, upload.text
            ids.append(product.json()["id"])
            self.skus[ids[-1]] = product.json()["sku"]
        wait_until(lambda: self._indexed(ids), timeout=120, what=f"{prefix} indexed")
        return ids

    def _indexed(self, ids: list[int]) -> bool:
        """Are all these products in the search index?"""
        rows = self.sql("search", f"SELECT count(*) FROM search_document WHERE product_id IN {in_list(ids)}")
        return rows[0][0] == len(ids)

    def delete(self, ids: list[int], bulk_every: int = 4) -> None:
        """Delete products: mostly one DELETE each, every `bulk_every`-th group through bulk delete."""
        api = self.api()
        for start in range(0, len(ids), bulk_every):
            group = ids[start : start + bulk_every]
            if (start // bulk_every) % 2:
                done = api.post(self.catalog_url("/api/v1/products/bulk-delete/"), json={"ids": group})
                assert done.status_code == 200 and done.json()["products"] == len(group), done.text
            else:
                for product_id in group:
                    done = api.delete(self.catalog_url(f"/api/v1/products/{product_id}/"))
                    assert done.status_code == 204, done.text

    def outcome(self, ids: list[int]) -> Outcome:
        """Count what is left of these deleted products and how often each effect happened."""
        files = [
            path for product_id in ids for path in (self.media_root / "products" / str(product_id)).glob("*")
        ]
        documents = self.sql(
            "search", f"SELECT count(*) FROM search_document WHERE product_id IN {in_list(ids)}"
        )
        hooks = self.receiver.received("/hook")
        per_product, webhook_ids = dict.fromkeys(ids, 0), set()
        for request in hooks:
            product_id = json.loads(request.body)["data"]["product_id"]
            if product_id in per_product:
                per_product[product_id] += 1
                webhook_ids.add(request.headers.get("webhook-id"))
        mails = dict.fromkeys(ids, 0)
        by_subject = {f"({self.skus[product_id]})": product_id for product_id in ids}
        for message in self.mailbox.messages:
            subject = str(message["Subject"])
            product_id = by_subject.get(subject[subject.rfind("(") :])
            if product_id is not None:
                mails[product_id] += 1
        # the catalog's events and every service's receipts
        unpublished = [
            self.sql(service, "SELECT count(*) FROM outbox_outboxevent WHERE published_at IS NULL")[0]
            for service in SERVICES
        ]
        # is it gone everywhere? every deletion of the run must end complete (none is meant to fail)
        deletions_open = self.sql(
            "catalog", "SELECT count(*) FROM ledger_deletion WHERE status <> 'complete'"
        )
        return Outcome(
            files_left=len(files),
            search_documents_left=documents[0][0],
            webhooks_per_product=per_product,
            distinct_webhook_ids=len(webhook_ids),
            mails_per_product=mails,
            outbox_unpublished=sum(row[0] for row in unpublished),
            queued=self.queue_depths(),
            deletions_open=deletions_open[0][0],
        )

    @property
    def proxy(self):
        """The proxy between the processes and the broker (a ProxiedBroker's; a DirectBroker has None)."""
        return self.broker.proxy

    def purge(self, queue: str) -> None:
        """Empty one queue of the vhost (a scenario that filled a dead-letter queue on purpose)."""
        self.broker.ctl("purge_queue", queue)

    def queue_depths(self) -> dict[str, int]:
        """Messages ready or unacked in each queue of the vhost (events, tasks, dead letters); -1: unknown."""
        out = self.broker.ctl("--no-table-headers", "list_queues", "name", "messages")
        rows = (line.split("\t") for line in out.splitlines() if line.strip())
        # A queue whose node is down has no count (a classic dead-letter queue on a lost cluster node): -1.
        return {
            name: int(count) if count.isdigit() else -1
            for name, count in rows
            if not name.startswith(("celeryev", "celery_delayed"))
        }


def _answers(url: str) -> bool:
    """Does the URL answer 200 yet?"""
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False
