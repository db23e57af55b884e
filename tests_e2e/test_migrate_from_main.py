"""A database created by the layout before the runtime package (main at de66ccd) migrates without loss.

Main's own code creates and migrates a catalog and a media database (PostgreSQL, SQLite); rows go
into its outbox (published and pending) and its inbox; then today's code migrates the same
databases. Every outbox row and every inbox id must still be there, stamped with its service,
the pending rows must still be relayed, and the inbox must still turn a redelivery into a no-op.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from shared_contracts.events import MediaDeletedV1, build_event
from shared_contracts.events.catalog import SOURCE

REPO = Path(__file__).resolve().parents[1]
MAIN = "de66ccd"  # the last commit with outbox in the catalog and the inbox in shared_contracts
PG = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture(scope="module")
def main_tree(tmp_path_factory) -> Path:
    """Main's files, as `git archive` gives them."""
    root = tmp_path_factory.mktemp("main")
    archive = subprocess.run(["git", "archive", MAIN], cwd=REPO, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(root, filter="data")
    return root


@pytest.fixture(params=["postgresql", "sqlite"])
def databases(request, tmp_path):
    """Two fresh databases (PostgreSQL with unique names, dropped afterwards; or SQLite files)."""
    if request.param == "sqlite":
        yield {service: f"sqlite:///{tmp_path / service}.sqlite3" for service in ("catalog", "media")}
        return
    names = {service: f"ripple_frommain_{secrets.token_hex(4)}_{service}" for service in ("catalog", "media")}
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {service: f"postgres://postgres@127.0.0.1:5432/{name}" for service, name in names.items()}
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            for name in names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(tree: Path, service: str, database_url: str, *args: str, **env: str) -> str:
    """`manage.py ARGS` of one service of a tree; main's tree runs on main's shared_contracts."""
    process_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": "migration-test-only",
        "DJANGO_DEBUG": "0",
        **env,
    }
    if tree != REPO:
        process_env["PYTHONPATH"] = os.pathsep.join([str(tree / "shared_contracts" / "src"), str(tree)])
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=tree / "services" / service,
        env=process_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{service} {args} in {tree}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@contextlib.contextmanager
def connect(url: str) -> Iterator:
    """A DB-API connection to a database URL (committed on leaving), placeholders as `%s`."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            yield Placeholders(conn)
            conn.commit()
        finally:
            conn.close()
        return
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        yield conn


class Placeholders:
    """SQLite with psycopg's `%s` placeholders and values (UUIDs as SQLite's Django stores them)."""

    def __init__(self, conn: sqlite3.Connection):
        """Wrap a connection."""
        self.conn = conn

    def execute(self, sql: str, params: list | None = None):
        """Run one statement."""
        values = [v.hex if isinstance(v, uuid.UUID) else v for v in params or []]
        return self.conn.execute(sql.replace("%s", "?").replace("::text", ""), values)


def seed_outbox(url: str) -> dict[str, bool]:
    """Outbox rows in main's schema: event id → whether it was published already."""
    rows = {}
    now = datetime.now(UTC)
    with connect(url) as conn:
        for index in range(7):
            event = build_event(
                MediaDeletedV1(media_id=index, product_id=1, storage_keys=[f"p/{index}.jpg"]), source=SOURCE
            )
            published = index < 3
            conn.execute(
                "INSERT INTO outbox_outboxevent (event_id, event_type, routing_key, aggregate_type,"
                " aggregate_id, correlation_id, body, created_at, published_at, attempts, last_error)"
                " VALUES (%s, %s, %s, 'media', %s, '', %s, %s, %s, %s, '')",
                [event.id, event.type, event.routing_key, str(index), event.to_json(), now,
                 now if published else None, int(published)],
            )  # fmt: skip
            rows[event.id.hex] = published
    return rows


def seed_inbox(url: str) -> list[str]:
    """Processed event ids in main's inbox (event_id was its primary key)."""
    ids = [uuid.uuid4() for _ in range(5)]
    with connect(url) as conn:
        for event_id in ids:
            conn.execute(
                "INSERT INTO ripple_inbox_processedevent (event_id, event_type, processed_at)"
                " VALUES (%s, 'catalog.media.deleted.v1', %s)",
                [event_id, datetime.now(UTC)],
            )
    return [event_id.hex for event_id in ids]


def query(url: str, sql: str) -> list[tuple]:
    """Rows of one query; UUIDs as 32 hex digits on either database."""
    with connect(url) as conn:
        rows = conn.execute(sql).fetchall()
    return [
        tuple(v.replace("-", "") if isinstance(v, str) and len(v) == 36 else v for v in row) for row in rows
    ]


REDELIVER = """
import uuid
from media.service import SERVICE
from ripple_runtime.messaging.tasks import process
from shared_contracts.events import MediaDeletedV1, build_event
from shared_contracts.events.catalog import SOURCE
events = [
    build_event(MediaDeletedV1(media_id=1, product_id=1, storage_keys=["p/1.jpg"]), source=SOURCE)
    .model_copy(update={"id": uuid.UUID(event_id)})
    for event_id in IDS
]
print("fresh", process(SERVICE, "catalog.media.deleted.v1", events))
"""


def test_databases_of_main_migrate_without_losing_an_outbox_row_or_an_inbox_id(
    main_tree, databases, fresh_vhost
):
    catalog, media = databases["catalog"], databases["media"]
    manage(main_tree, "catalog", catalog, "migrate", "--noinput")
    manage(main_tree, "media", media, "migrate", "--noinput")
    outbox = seed_outbox(catalog)
    inbox = seed_inbox(media)

    manage(REPO, "catalog", catalog, "migrate", "--noinput")
    manage(REPO, "media", media, "migrate", "--noinput")

    after = query(catalog, "SELECT event_id::text, published_at IS NOT NULL, service FROM outbox_outboxevent")
    after = [(event_id, bool(published), service) for event_id, published, service in after]
    assert {event_id: published for event_id, published, _ in after} == outbox
    assert {service for *_, service in after} == {"catalog"}
    assert query(
        media, "SELECT event_id::text, service FROM ripple_inbox_processedevent ORDER BY event_id"
    ) == [(event_id, "media") for event_id in sorted(inbox)]

    published = manage(REPO, "catalog", catalog, "relay_outbox", "--once", BROKER_URL=fresh_vhost.url())
    assert f"published {list(outbox.values()).count(False)} events" in published
    assert query(catalog, "SELECT count(*) FROM outbox_outboxevent WHERE published_at IS NULL") == [(0,)]

    script = REDELIVER.replace("IDS", json.dumps(inbox))
    assert "fresh 0" in manage(REPO, "media", media, "shell", "-c", script)
