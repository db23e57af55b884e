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

from ripple_testing.processes import wait_until
from ripple_testing.servers import WebhookReceiver
from tests_e2e.flow import MAKE_MUG, delete_ripples_everywhere
from tests_e2e.system import REPO_DIR, running_dev_system


@pytest.fixture(scope="module")
def receiver():
    """A real HTTP server standing in for a customer's webhook endpoint."""
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    """`make dev` with its own var dir, ports and broker users; Ctrl-C at the end."""
    with running_dev_system(tmp_path_factory.mktemp("walkthrough"), {}) as dev:
        yield dev


def test_a_delete_ripples_to_media_search_webhooks_email_and_flower(system, receiver):
    delete_ripples_everywhere(system, receiver)

    def services_seen() -> set[str]:
        tasks = system.flower("/api/tasks?state=SUCCESS")
        return {task["name"].split(".", 1)[0] for task in tasks.values()} if tasks else set()

    assert wait_until(lambda: services_seen() >= {"media", "search", "notifications"}, what="Flower's tasks")
    user, password = system.secrets["FLOWER_BASIC_AUTH"].split(":", 1)
    for path in ("/api/tasks", "/metrics", "/"):  # never open; upstream Flower leaves /metrics open
        assert requests.get(system.url("flower", path), timeout=5).status_code == 401, path
    assert requests.get(system.url("flower", "/healthcheck"), timeout=5).status_code == 200
    metrics = requests.get(system.url("flower", "/metrics"), auth=(user, password), timeout=5)
    assert 'flower_events_total{task="media.catalog.product.deleted.v1"' in metrics.text


def test_make_demo_reports_what_each_service_did(system):
    env = {**system.env, "RIPPLE_VAR_DIR": str(system.var)}
    done = subprocess.run(
        ["make", "demo"], cwd=REPO_DIR, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "catalog: 12 products with an image each" in done.stdout
    assert "search: 6 products left in the index; the 6 deleted ones are gone" in done.stdout
    assert "notifications: 6 signed webhook calls received" in done.stdout
    assert "x media.catalog.product.deleted.v1 SUCCESS" in done.stdout
    assert "webhook subscription" in done.stdout and "removed (204)" in done.stdout
    hooks = system.api().get(system.url("notifications", "/api/v1/webhooks/")).json()["results"]
    assert not [hook for hook in hooks if "/demo-" in hook["url"]]  # nothing left to pile up retries


def test_the_readme_shows_what_this_test_runs():
    readme = (REPO_DIR / "README.md").read_text()
    assert MAKE_MUG in readme
    assert 'curl -s "$MUG_URL" | cmp - mug.jpg' in readme


def test_ctrl_c_stops_every_process(system):
    ports = [system.ports[name] for name in ("catalog", "search", "notifications", "flower")]
    system.stop()

    def closed(port: int) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) != 0

    wait_until(lambda: all(closed(port) for port in ports), what="every port to close")
