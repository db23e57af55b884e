"""One database per service for a whole-system run: fresh PostgreSQL databases, or SQLite files."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

import psycopg

PG_SERVER_URL = "postgresql://postgres@127.0.0.1:5432"


def in_list(values: Iterable[int]) -> str:
    """`(1, 2, 3)` for an SQL IN clause, from integers only (so it is safe to inline)."""
    return "(" + ", ".join(str(int(value)) for value in values) + ")"


class Databases:
    """Create, query and drop the databases of one run; `engine` is `postgres` or `sqlite`."""

    def __init__(self, engine: str, tag: str, services: Iterable[str], folder: Path):
        """Name one database per service; nothing is created before `create()`."""
        if engine not in ("postgres", "sqlite"):
            raise ValueError(f"unknown database engine {engine!r}")
        self.engine, self.folder = engine, folder
        self.names = {service: f"ripple_{tag}_{service}" for service in services}
        # One kept connection per service: a bench samples every fraction of a second, and each
        # new PostgreSQL connection would cost the machine it measures a backend process.
        self._connections: dict[str, psycopg.Connection] = {}

    def url(self, service: str) -> str:
        """The DATABASE_URL of a service."""
        if self.engine == "sqlite":
            return f"sqlite:///{self.folder / self.names[service]}.sqlite3"
        return f"{PG_SERVER_URL}/{self.names[service]}"

    def create(self) -> None:
        """Create every PostgreSQL database (SQLite files appear when the services migrate)."""
        if self.engine == "postgres":
            with psycopg.connect(f"{PG_SERVER_URL}/postgres", autocommit=True) as conn:
                for name in self.names.values():
                    conn.execute(f'CREATE DATABASE "{name}"')

    def drop(self) -> None:
        """Drop every database of this run, closing what still connects."""
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()
        if self.engine == "postgres":
            with psycopg.connect(f"{PG_SERVER_URL}/postgres", autocommit=True) as conn:
                for name in self.names.values():
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            for service in self.names:
                Path(self.url(service).removeprefix("sqlite:///")).unlink(missing_ok=True)

    def query(self, service: str, sql: str, *params) -> list[tuple]:
        """Rows of a query in a service's database (`%s` placeholders on both engines)."""
        if self.engine == "postgres":
            connection = self._connections.get(service)
            if connection is None or connection.closed or connection.broken:
                connection = self._connections[service] = psycopg.connect(self.url(service), autocommit=True)
            return connection.execute(sql, params).fetchall()
        with sqlite3.connect(self.url(service).removeprefix("sqlite:///"), timeout=30) as conn:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()
