"""`docker compose up --build` for real, through the published ports only (moved to free ones).

The tests run in file order against one stack: health and least privilege first, then the
README's delete flow, then a stream of deletes across a worker restart, Flower, a deliberately
broken healthcheck, and last `down -v`, which must leave nothing of the project behind.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from urllib.parse import urlsplit

import requests
from standardwebhooks import Webhook

from ripple_testing.processes import wait_until
from tests_e2e.compose.stack import LOCAL_ONLY

SERVICES = ("catalog", "media", "search", "notifications")
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
MEDIA_ROOT = "/var/lib/ripple/media"
STREAM = 24
RIPPLE_SH = "/app/deploy/entrypoints/ripple.sh"  # the image's entry point, for `manage` commands


def api() -> requests.Session:
    """A session with the admin token the migrate role created from .env.example."""
    session = requests.Session()
    session.headers["Authorization"] = f"Token {LOCAL_ONLY['RIPPLE_ADMIN_TOKEN']}"
    return session


def create_product(stack, session, category: int, sku: str) -> tuple[dict, str]:
    """A product with one uploaded image; returns it and the image's path in the media volume."""
    product = session.post(
        stack.url("catalog-api", 8000, "/api/v1/products/"),
        json={"category": category, "sku": sku, "name": f"Mug {sku}", "price": "12.50"},
    )
    assert product.status_code == 201, product.text
    upload = session.post(
        stack.url("catalog-api", 8000, "/api/v1/media/"),
        data={"product": product.json()["id"]},
        files={"file": (f"{sku}.png", PNG, "image/png")},
    )
    assert upload.status_code == 201, upload.text
    return product.json(), MEDIA_ROOT + upload.json()["url"].removeprefix("/media")


def files_present(stack, paths: list[str]) -> list[str]:
    """Which of these paths exist in the media volume (as the media worker sees it)."""
    script = 'for p in "$@"; do [ -e "$p" ] && echo "$p"; done; true'
    return stack.exec("media-worker", "sh", "-c", script, "sh", *paths).stdout.split()


def search_ids(stack, query: str) -> set[int]:
    """Product ids the search API returns for a query (first page of up to 100)."""
    response = requests.get(
        stack.url("search-api", 8001, "/api/v1/search"), params={"q": query, "page_size": 100}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {hit["product_id"] for hit in response.json()["results"]}


def webhooks(stack) -> list[dict]:
    """Everything the test-only receiver got: path, headers and the body as bytes."""
    received = requests.get(stack.url("webhook-receiver", 9000, "/received"), timeout=10).json()
    return [{**hook, "body": base64.b64decode(hook["body"])} for hook in received]


def mails(stack) -> list[dict]:
    """Mailpit's message list (its API, through the published port)."""
    response = requests.get(stack.url("mailpit", 8025, "/api/v1/messages"), params={"limit": 500}, timeout=10)
    return response.json()["messages"]


def psql(stack, sql: str) -> list[str]:
    """Rows of a query as the postgres superuser inside the postgres container."""
    return stack.exec("postgres", "psql", "-U", "postgres", "-Atc", sql).stdout.split()


def psql_as(stack, user: str, password: str, database: str, sql: str):
    """A query as one service's database user, over TCP inside the postgres container (not checked)."""
    return stack.exec(
        "postgres",
        "env",
        f"PGPASSWORD={password}",
        "psql",
        "-h",
        "127.0.0.1",
        "-U",
        user,
        "-d",
        database,
        "-Atc",
        sql,
        check=False,
    )


def rabbitmqctl(stack, *args: str) -> list[list[str]]:
    """Tab-separated rows of a rabbitmqctl listing inside the rabbitmq container."""
    out = stack.exec("rabbitmq", "rabbitmqctl", "-q", "--no-table-headers", *args).stdout
    return [line.split("\t") for line in out.splitlines() if line.strip()]


def test_every_service_reports_healthy_and_every_migration_exited_0(stack):
    containers = stack.containers()
    migrations = {c["Service"]: c for c in containers if c["Service"].endswith("-migrate")}
    assert set(migrations) == {f"{s}-migrate" for s in SERVICES}
    assert all(c["ExitCode"] == 0 for c in migrations.values()), migrations
    running = [c for c in containers if c["Service"] not in migrations]
    assert {c["Service"] for c in running} >= {
        "catalog-api",
        "catalog-relay",
        "catalog-worker",
        "media-worker",
        "search-worker",
        "search-api",
        "notifications-worker",
        "notifications-api",
        "flower",
        "rabbitmq",
        "postgres",
        "mailpit",
    }
    assert [c["Service"] for c in running if c["Health"] != "healthy"] == []
    for service, port in (("catalog-api", 8000), ("search-api", 8001), ("notifications-api", 8002)):
        assert requests.get(stack.url(service, port, "/healthz"), timeout=10).status_code == 200
    ready = requests.get(stack.url("catalog-api", 8000, "/readyz"), timeout=10).json()
    assert ready["status"] == "ok", ready


def test_each_service_has_its_own_database_and_owner_and_no_other(stack):
    owners = psql(
        stack,
        "SELECT datname || '=' || pg_get_userbyid(datdba) FROM pg_database "
        "WHERE datname IN ('catalog', 'media', 'search', 'notifications')",
    )
    assert sorted(owners) == sorted(f"{s}={s}" for s in SERVICES)
    connected = psql(
        stack,
        "SELECT DISTINCT datname || '=' || usename FROM pg_stat_activity "
        "WHERE datname IN ('catalog', 'media', 'search', 'notifications')",
    )
    assert all(pair.split("=")[0] == pair.split("=")[1] for pair in connected), connected
    assert {pair.split("=")[0] for pair in connected} >= {"catalog", "notifications"}
    # A service's password opens its own database and no other.
    media_password = LOCAL_ONLY["POSTGRES_PASSWORD_MEDIA"]
    own = psql_as(stack, "media", media_password, "media", "SELECT current_user")
    assert own.returncode == 0 and own.stdout.strip() == "media", own.stderr
    other = psql_as(stack, "media", media_password, "catalog", "SELECT 1")
    assert other.returncode != 0 and "permission denied" in other.stderr, other.stderr


def test_the_least_privilege_broker_users_are_the_ones_in_use(stack):
    users = {row[0] for row in rabbitmqctl(stack, "list_users")}
    assert "guest" not in users
    assert users == {*SERVICES, "flower", "ripple-admin"}
    connected = {row[0] for row in rabbitmqctl(stack, "list_connections", "user")}
    assert connected == {*SERVICES, "flower"}, connected
    # Nothing depends on what RabbitMQ 4.3 refuses: transient non-exclusive queues, global QoS.
    queues = rabbitmqctl(stack, "list_queues", "-p", "ripple", "name", "durable", "exclusive")
    transient_shared = [
        name for name, durable, exclusive in queues if durable == "false" and exclusive != "true"
    ]
    assert transient_shared == [], transient_shared
    global_qos = [
        row for row in rabbitmqctl(stack, "list_channels", "user", "global_prefetch_count") if row[1] != "0"
    ]
    assert global_qos == []


def test_a_delete_ripples_to_the_volume_search_a_signed_webhook_and_mailpit(stack):
    session = api()
    hook = session.post(
        stack.url("notifications-api", 8002, "/api/v1/webhooks/"),
        json={"url": "http://webhook-receiver:9000/hook", "event_types": ["catalog.product.deleted.v1"]},
    )
    assert hook.status_code == 201, hook.text
    mail = session.post(
        stack.url("notifications-api", 8002, "/api/v1/email-recipients/"),
        json={"email": "ops@example.com", "event_types": ["catalog.product.deleted.v1"]},
    )
    assert mail.status_code == 201, mail.text
    category = session.post(
        stack.url("catalog-api", 8000, "/api/v1/categories/"), json={"name": "Kitchen", "slug": "kitchen"}
    )
    assert category.status_code == 201, category.text
    product, stored = create_product(stack, session, category.json()["id"], "MUG-1")
    assert files_present(stack, [stored]) == [stored]
    wait_until(
        lambda: search_ids(stack, "MUG-1") == {product["id"]}, timeout=60, what="the product in search"
    )

    deleted = session.delete(stack.url("catalog-api", 8000, f"/api/v1/products/{product['id']}/"))
    assert deleted.status_code == 204

    wait_until(lambda: files_present(stack, [stored]) == [], timeout=60, what="the file gone from the volume")
    wait_until(lambda: search_ids(stack, "MUG-1") == set(), timeout=60, what="the search hit gone")
    hook_call = wait_until(lambda: webhooks(stack), timeout=60, what="the webhook")[0]
    payload = Webhook(hook.json()["secret"]).verify(hook_call["body"], hook_call["headers"])
    assert payload["type"] == "catalog.product.deleted.v1" and payload["data"]["sku"] == "MUG-1"
    message = wait_until(lambda: mails(stack), timeout=60, what="the mail in Mailpit")[0]
    assert [to["Address"] for to in message["To"]] == ["ops@example.com"]
    assert "MUG-1" in message["Subject"] or "Blue" in message["Subject"] or "Mug" in message["Subject"]
    # is it gone everywhere? each service's receipt went out through its own broker user
    deletion = stack.url("catalog-api", 8000, urlsplit(deleted.headers["Location"]).path)
    done = wait_until(
        lambda: (d := session.get(deletion, timeout=10).json())["status"] == "complete" and d,
        timeout=90,
        what="the deletion to complete",
    )
    assert {name: s["statuses"] for name, s in done["services"].items()} == {
        "media": {"done": 1},  # the product's event, which lists its media row
        "search": {"done": 1},
        "notifications": {"done": 1},
    }


def test_a_worker_restart_in_a_stream_of_deletes_loses_nothing(stack):
    session = api()
    category = session.post(
        stack.url("catalog-api", 8000, "/api/v1/categories/"), json={"name": "Stream", "slug": "stream"}
    ).json()
    made = [create_product(stack, session, category["id"], f"STREAM-{i}") for i in range(STREAM)]
    ids = {product["id"] for product, _ in made}
    wait_until(lambda: search_ids(stack, "Mug") >= ids, timeout=90, what="the stream indexed")
    hooks_before, mails_before = len(webhooks(stack)), len(mails(stack))

    deletions = []

    def delete_all():
        for product, _ in made:
            deleted = session.delete(stack.url("catalog-api", 8000, f"/api/v1/products/{product['id']}/"))
            assert deleted.ok
            deletions.append(stack.url("catalog-api", 8000, urlsplit(deleted.headers["Location"]).path))
            time.sleep(0.15)

    deleter = threading.Thread(target=delete_all)
    deleter.start()
    time.sleep(STREAM * 0.15 / 3)
    stack.compose("restart", "media-worker", timeout=180)
    deleter.join()

    paths = [path for _, path in made]
    wait_until(
        lambda: files_present(stack, paths) == [], timeout=180, what="every file gone after the restart"
    )
    wait_until(lambda: not (search_ids(stack, "Mug") & ids), timeout=90, what="every search hit gone")
    wait_until(lambda: len(webhooks(stack)) - hooks_before >= STREAM, timeout=90, what="a webhook per delete")
    wait_until(lambda: len(mails(stack)) - mails_before >= STREAM, timeout=90, what="a mail per delete")
    delivered = [json.loads(hook["body"]) for hook in webhooks(stack)[hooks_before:]]
    assert sorted(event["data"]["product_id"] for event in delivered) == sorted(ids)
    dead = rabbitmqctl(stack, "list_queues", "-p", "ripple", "name", "messages")
    assert [row for row in dead if row[0].endswith(".dlq") and row[1] != "0"] == []
    # the restarted worker's relay child came back too: every deletion completes
    wait_until(
        lambda: all(session.get(url, timeout=10).json()["status"] == "complete" for url in deletions),
        timeout=120,
        what="every deletion complete",
    )


def test_reindex_and_the_audits_read_the_catalog_with_its_reader_account(stack):
    """compose gives every service CATALOG_API_TOKEN; the catalog's migrate made it catalog-reader's."""
    assert "reader account 'catalog-reader' created" in stack.compose("logs", "catalog-migrate").stdout
    for service in ("media", "search"):
        ran = stack.exec(f"{service}-worker", RIPPLE_SH, service, "manage", "audit", "--json")
        summary = json.loads(ran.stdout.splitlines()[-1])["summary"]
        assert (summary["service"], summary["fix"]) == (service, False)
    reindexed = stack.exec("search-worker", RIPPLE_SH, "search", "manage", "reindex").stdout
    assert "reindexed " in reindexed and " products from http://catalog-api:8000" in reindexed


def test_flower_lists_tasks_of_all_four_services_behind_basic_auth(stack):
    user, password = LOCAL_ONLY["FLOWER_BASIC_AUTH"].split(":", 1)
    for path in ("/api/tasks", "/metrics", "/"):  # nothing but the healthcheck without credentials
        assert requests.get(stack.url("flower", 5555, path), timeout=10).status_code == 401, path
    assert requests.get(stack.url("flower", 5555, "/healthcheck"), timeout=10).status_code == 200
    scraped = requests.get(stack.url("flower", 5555, "/metrics"), auth=(user, password), timeout=10)
    assert scraped.status_code == 200 and "# TYPE" in scraped.text

    def services_seen() -> set[str]:
        tasks = requests.get(
            stack.url("flower", 5555, "/api/tasks"),
            params={"state": "SUCCESS"},
            auth=(user, password),
            timeout=10,
        ).json()
        return {task["name"].split(".", 1)[0] for task in tasks.values()}

    wait_until(
        lambda: services_seen() >= {"catalog", "media", "search", "notifications"},
        timeout=60,
        what="Flower's tasks",
    )


def test_a_broken_healthcheck_fails_up_wait(stack):
    broken = stack.workdir / "broken-healthcheck.yml"
    broken.write_text(
        json.dumps(
            {
                "services": {
                    "search-api": {
                        "healthcheck": {
                            "test": ["CMD", "false"],
                            "interval": "1s",
                            "timeout": "2s",
                            "retries": 2,
                            "start_period": "0s",
                        }
                    }
                }
            }
        )
    )
    result = stack.compose(
        "up",
        "--detach",
        "--wait",
        "--wait-timeout",
        "90",
        "search-api",
        extra_files=(broken,),
        check=False,
        timeout=180,
    )
    assert result.returncode != 0
    assert "search-api" in result.stdout + result.stderr and "unhealthy" in result.stdout + result.stderr


def test_down_with_volumes_leaves_no_container_network_or_volume(stack):
    stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "20", timeout=300)
    assert stack.leftovers() == {"containers": [], "networks": [], "volumes": []}
