"""Stream the catalog's audit API (`/api/v1/audit/…`) page by page, checking its order as it goes.

CatalogUnreadable (from ripple_runtime.catalog_api) says why the catalog could not be read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ripple_runtime.catalog_api import CatalogSession, CatalogUnreadable

PAGE_SIZE = 10_000


class AuditListing:
    """The catalog's audit API, read through a `CatalogSession`, page after page.

    `pause` seconds pass between two pages (`manage.py audit --pause`), to spare a busy catalog.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str = "",
        timeout: float = 10.0,
        page_size: int = PAGE_SIZE,
        pause: float = 0.0,
    ):
        """Prepare the session; nothing is sent before the first page is asked for."""
        self.catalog = CatalogSession(base_url, token=token, timeout=timeout)
        self.page_size, self.pause = page_size, pause

    def products(self) -> Iterator[tuple[int, int]]:
        """Every live product as (id, version), by id."""
        for row in increasing(self._rows("products", start=0), key=product_id, what="products"):
            yield row[0], row[1]

    def media_keys(self) -> Iterator[str]:
        """Every live media storage key, in code-point order."""
        return increasing(self._rows("media", start=""), key=storage_key, what="media keys")

    def _rows(self, resource: str, start: Any) -> Iterator[Any]:
        """The rows of every page, first to last, following `next_after`."""
        url = self.catalog.url(f"/api/v1/audit/{resource}/")
        after = start
        while True:
            body = self.catalog.get_page(url, {"after": after, "limit": self.page_size}, then="next_after")
            yield from body["results"]
            after = body["next_after"]
            if after is None:
                return
            if self.pause:
                time.sleep(self.pause)


def product_id(row: Any) -> int:
    """The id of an `[id, version]` row; CatalogUnreadable if it is not one."""
    if isinstance(row, list) and len(row) == 2 and all(type(n) is int for n in row):
        return row[0]
    raise CatalogUnreadable(f"unexpected product row in the catalog's answer: {row!r:.100}")


def storage_key(key: Any) -> str:
    """A storage key; CatalogUnreadable if it is not a string."""
    if isinstance(key, str):
        return key
    raise CatalogUnreadable(f"unexpected storage key in the catalog's answer: {key!r:.100}")


def increasing(rows: Iterable[Any], key: Callable[[Any], Any], what: str) -> Iterator[Any]:
    """The rows, refusing (CatalogUnreadable) any whose key does not exceed the previous one's.

    A merge with the service's own sorted data is only right on strictly ordered input.
    """
    previous = None
    for row in rows:
        current = key(row)
        if previous is not None and not current > previous:
            raise CatalogUnreadable(f"the catalog's {what} are not in order at {current!r:.100}")
        previous = current
        yield row
