"""Every service on one database, or each on its own, SQLite or PostgreSQL: the same effects everywhere.

The walkthrough runs `make dev` as it ships (a SQLite file per service); here the same flow runs
with every service pointed at one DATABASE_URL (SQLite, then PostgreSQL) and with a PostgreSQL
database per service (DATABASE_URL_<SERVICE>). Sharing a database, each service still keeps its
own inbox and outbox rows: an event both search and notifications handle is processed by both.
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from ripple_testing.servers import WebhookReceiver
from tests_e2e.flow import delete_ripples_everywhere
from tests_e2e.system import DevSystem, RabbitDefinitions

SERVICES = ("catalog", "media", "search", "notifications")
PG = "postgres://postgres@127.0.0.1:5432"


@contextlib.contextmanager
def postgres_databases(count: int) -> Iterator[list[str]]:
    """Fresh PostgreSQL databases with unique names; dropped at the end."""
    names = [f"ripple_layout_{secrets.token_hex(4)}" for _ in range(count)]
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [f"{PG}/{name}" for name in names]
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rows(url: str, sql: str) -> list[tuple]:
    """The rows of one query, on SQLite or PostgreSQL."""
    if url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            return conn.execute(sql).fetchall()
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        return conn.execute(sql).fetchall()


@contextlib.contextmanager
def layout(name: str, var: Path) -> Iterator[dict[str, str]]:
    """The environment of one database layout: service → its DATABASE_URL."""
    if name == "sqlite-shared":
        var.mkdir(parents=True, exist_ok=True)
        yield dict.fromkeys(SERVICES, f"sqlite:///{var / 'ripple.sqlite3'}")
    elif name == "postgres-shared":
        with postgres_databases(1) as (url,):
            yield dict.fromkeys(SERVICES, url)
    else:
        with postgres_databases(len(SERVICES)) as urls:
            yield dict(zip(SERVICES, urls, strict=True))


@pytest.fixture
def receiver():
    """A real HTTP server standing in for a customer's webhook endpoint."""
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.mark.parametrize("name", ["sqlite-shared", "postgres-shared", "postgres-per-service"])
def test_every_service_does_its_part_on_every_database_layout(name, tmp_path, receiver):
    rabbit = RabbitDefinitions()
    rabbit.import_()
    with layout(name, tmp_path / "var") as urls:
        if len(set(urls.values())) == 1:
            env = {"DATABASE_URL": urls["catalog"]}
        else:
            env = {f"DATABASE_URL_{service.upper()}": url for service, url in urls.items()}
        system = DevSystem(tmp_path, rabbit, env)
        try:
            system.start()
            delete_ripples_everywhere(system, receiver)
        finally:
            system.stop()
            rabbit.remove()
        inbox = "SELECT service, event_type, event_id FROM ripple_inbox_processedevent"
        shared = len(set(urls.values())) == 1
        consumers = ("catalog", "media", "search", "notifications")  # the catalog's worker reads receipts
        processed = {service: rows(urls[service], inbox) for service in consumers}
        for service, found in processed.items():
            assert found and {row[0] for row in found} == (set(consumers) if shared else {service})
        deleted = {
            (service, event_id)
            for service, event_type, event_id in processed["media"]
            + processed["search"]
            + processed["notifications"]
            if event_type == "catalog.product.deleted.v1"
        }
        # the one product.deleted event, processed once by each of the three services bound to it
        assert sorted(service for service, _ in deleted) == ["media", "notifications", "search"]
        assert len({event_id for _, event_id in deleted}) == 1
        # every service's outbox rows are its own: the catalog's events, the others' receipts
        for service in consumers:
            outbox = {
                row[0] for row in rows(urls[service], "SELECT DISTINCT service FROM outbox_outboxevent")
            }
            assert outbox == (set(consumers) if shared else {service}), (service, outbox)
