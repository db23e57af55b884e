"""The README's walkthrough against `make dev`: create, upload, delete, and watch it ripple everywhere.

Every process runs natively from deploy/Procfile with the RabbitMQ users and permissions of
deploy/rabbitmq/definitions.json (imported under a vhost of this test), so the least-privilege
rights compose relies on are exercised here too.
"""

from __future__ import annotations

import socket
import subprocess

import pytest
import requests
from standardwebhooks import Webhook

from ripple_testing.processes import wait_until
from ripple_testing.servers import WebhookReceiver
from tests_e2e.system import REPO_DIR, DevSystem, RabbitDefinitions

JPEG = b"\xff\xd8\xff\xe0" + b"ripple walkthrough image" * 10 + b"\xff\xd9"


@pytest.fixture(scope="module")
def receiver():
    """A real HTTP server standing in for a customer's webhook endpoint."""
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    """`make dev` with its own var dir, ports and broker users; Ctrl-C at the end."""
    tmp = tmp_path_factory.mktemp("walkthrough")
    rabbit = RabbitDefinitions()
    rabbit.import_()
    dev = DevSystem(tmp, rabbit, {})
    try:
        dev.start()
        yield dev
    finally:
        dev.stop()
        rabbit.remove()


def test_a_delete_ripples_to_media_search_webhooks_email_and_flower(system, receiver):
    api = system.api()
    hook = api.post(
        system.url("notifications", "/api/v1/webhooks/"),
        json={"url": receiver.url("/hook"), "event_types": ["catalog.product.deleted.v1"]},
    )
    assert hook.status_code == 201, hook.text
    mail = api.post(
        system.url("notifications", "/api/v1/email-recipients/"),
        json={"email": "ops@example.com", "event_types": ["catalog.product.deleted.v1"]},
    )
    assert mail.status_code == 201, mail.text

    category = api.post(
        system.url("catalog", "/api/v1/categories/"), json={"name": "Kitchen", "slug": "kitchen"}
    )
    product = api.post(
        system.url("catalog", "/api/v1/products/"),
        json={"category": category.json()["id"], "sku": "MUG-1", "name": "Blue mug", "price": "12.50"},
    ).json()
    upload = api.post(
        system.url("catalog", "/api/v1/media/"),
        data={"product": product["id"]},
        files={"file": ("mug.jpg", JPEG, "image/jpeg")},
    )
    assert upload.status_code == 201, upload.text
    stored = next((system.var / "media" / "products" / str(product["id"])).iterdir())
    assert stored.read_bytes() == JPEG

    def hits() -> list:
        return api.get(system.url("search", "/api/v1/search"), params={"q": "mug"}).json()["results"]

    wait_until(lambda: [h["product_id"] for h in hits()] == [product["id"]], what="the product in search")

    deleted = api.delete(system.url("catalog", f"/api/v1/products/{product['id']}/"))
    assert deleted.status_code == 204

    wait_until(lambda: not stored.exists(), what="the media worker to delete the file")
    wait_until(lambda: hits() == [], what="search to drop the product")
    request = wait_until(lambda: receiver.received("/hook"), what="the webhook")[0]
    payload = Webhook(hook.json()["secret"]).verify(request.body, request.headers)
    assert payload["type"] == "catalog.product.deleted.v1"
    assert payload["data"]["sku"] == "MUG-1" and payload["data"]["deleted_by"]["username"] == "admin"
    wait_until(
        lambda: "ops@example.com" in system.process.log() and "MUG-1" in system.process.log(),
        what="the e-mail",
    )
    deliveries = wait_until(
        lambda: [
            d
            for d in api.get(system.url("notifications", "/api/v1/deliveries/")).json()["results"]
            if d["status"] == "succeeded"
        ],
        what="both deliveries logged as succeeded",
    )
    assert len(deliveries) == 2

    def services_seen() -> set[str]:
        tasks = system.flower("/api/tasks?state=SUCCESS")
        return {task["name"].split(".", 1)[0] for task in tasks.values()} if tasks else set()

    assert wait_until(lambda: services_seen() >= {"media", "search", "notifications"}, what="Flower's tasks")
    user, password = system.secrets["FLOWER_BASIC_AUTH"].split(":", 1)
    assert requests.get(system.url("flower", "/api/tasks"), timeout=5).status_code == 401  # never open
    metrics = requests.get(system.url("flower", "/metrics"), auth=(user, password), timeout=5)
    assert 'flower_events_total{task="media.catalog.media.deleted.v1"' in metrics.text


def test_make_demo_reports_what_each_service_did(system):
    env = {**system.env, "RIPPLE_VAR_DIR": str(system.var)}
    done = subprocess.run(
        ["make", "demo"], cwd=REPO_DIR, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "catalog: 12 products with an image each" in done.stdout
    assert "search: 6 products left in the index; the 6 deleted ones are gone" in done.stdout
    assert "notifications: 6 signed webhook calls received" in done.stdout
    assert "x media.catalog.media.deleted.v1 SUCCESS" in done.stdout


def test_ctrl_c_stops_every_process(system):
    ports = [system.ports[name] for name in ("catalog", "search", "notifications", "flower")]
    system.stop()

    def closed(port: int) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) != 0

    wait_until(lambda: all(closed(port) for port in ports), what="every port to close")
