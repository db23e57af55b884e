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

    def page(self, terms: list[str], offset: int, limit: int) -> tuple[int, list[SearchDocument]]:
        """How many documents match every term, and one page of them, best first, from one snapshot.

        Each document has a `score` (higher is better).
        """


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
    """A ranked result set for Django's paginator: its count and the page it reads come from one query.

    `window()` names the page about to be read; counting then fetches the count and that page
    together (see search.backends.paging), and slicing inside the window reads what was fetched.
    """

    def __init__(self, query: str):
        """Parse the query; nothing runs until the results are counted or sliced."""
        self.terms = terms_of(query)
        self._window = (0, 0)
        self._fetched: tuple[int, list[SearchDocument]] | None = None

    def window(self, offset: int, limit: int) -> None:
        """The page the next count and slice are about."""
        self._window, self._fetched = (offset, limit), None

    def _fetch(self) -> tuple[int, list[SearchDocument]]:
        """Count and the window's documents (once)."""
        if self._fetched is None:
            self._fetched = backend().page(self.terms, *self._window) if self.terms else (0, [])
        return self._fetched

    def count(self) -> int:
        """How many documents match."""
        return self._fetch()[0]

    def __len__(self) -> int:
        """Same as count()."""
        return self.count()

    def __getitem__(self, window: slice) -> list[SearchDocument]:
        """The documents in a window of the ranking (only slices are supported)."""
        start, stop = window.start or 0, window.stop
        if stop is None or stop <= start:
            return []
        offset, limit = self._window
        if not (offset <= start and stop <= offset + limit):
            self.window(start, stop - start)
            offset = start
        return self._fetch()[1][start - offset : stop - offset]
