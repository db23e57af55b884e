"""The database-specific half of the index behind one small interface: lock products, count, rank.

PostgreSQL uses a generated tsvector column with a GIN index ranked by ts_rank; SQLite an FTS5
table ranked by bm25. Both see the same query: every word of it, as a prefix, must match.
"""

from __future__ import annotations

import re
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from search.models import SearchDocument

MAX_TERMS = 20
# Letters and digits only: nothing a user types can reach either engine's query syntax.
_TERM = re.compile(r"[^\W_]+")


class IndexBackend(Protocol):
    """What differs between the databases; the rest of the index is plain Django."""

    def lock_products(self, product_ids: list[int]) -> None:
        """Serialise writers of the same products until the current transaction ends."""

    def count(self, terms: list[str]) -> int:
        """How many documents match every term."""

    def search(self, terms: list[str], offset: int, limit: int) -> list[SearchDocument]:
        """One page of matching documents, best first, each with a `score` (higher is better)."""


def terms_of(query: str) -> list[str]:
    """The words of a user's query, lower-cased, at most MAX_TERMS of them."""
    return _TERM.findall(query.lower())[:MAX_TERMS]


def backend() -> IndexBackend:
    """The backend of the database in use."""
    if connection.vendor == "postgresql":
        from search.backends.postgres import PostgresBackend

        return PostgresBackend()
    if connection.vendor == "sqlite":
        from search.backends.sqlite import SqliteBackend

        return SqliteBackend()
    raise ImproperlyConfigured(f"the search index needs PostgreSQL or SQLite, not {connection.vendor}")


class SearchResults:
    """A ranked result set that counts and slices lazily, so Django's paginator can page through it."""

    def __init__(self, query: str):
        """Parse the query; nothing runs until the results are counted or sliced."""
        self.terms = terms_of(query)
        self._count: int | None = None

    def count(self) -> int:
        """How many documents match (counted once)."""
        if self._count is None:
            self._count = backend().count(self.terms) if self.terms else 0
        return self._count

    def __len__(self) -> int:
        """Same as count()."""
        return self.count()

    def __getitem__(self, window: slice) -> list[SearchDocument]:
        """The documents in a window of the ranking (only slices are supported)."""
        start, stop = window.start or 0, window.stop
        if not self.terms or stop is None or stop <= start:
            return []
        return backend().search(self.terms, start, stop - start)
