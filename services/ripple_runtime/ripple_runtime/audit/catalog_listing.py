"""Stream the catalog's audit API (`/api/v1/audit/…`) page by page, checking its order as it goes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

PAGE_SIZE = 10_000


class CatalogUnreadable(Exception):
    """The catalog could not be read, or answered something that is not an audit page."""


class AuditListing:
    """A requests session on the catalog's audit API, with a timeout on every call.

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
        self.base_url = base_url.rstrip("/")
        self.timeout, self.page_size, self.pause = timeout, page_size, pause
        self.session = requests.Session()
        # A pause between pages outlasts the server's keep-alive (gunicorn: 2 s), which then closes the
        # pooled connection as it is reused: retry these idempotent GETs on a fresh one.
        retries = HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.2, allowed_methods={"GET"}))
        self.session.mount("http://", retries)
        self.session.mount("https://", retries)
        self.session.headers["Accept"] = "application/json"
        if token:
            self.session.headers["Authorization"] = f"Token {token}"

    def products(self) -> Iterator[tuple[int, int]]:
        """Every live product as (id, version), by id."""
        for row in increasing(self._rows("products", start=0), key=product_id, what="products"):
            yield row[0], row[1]

    def media_keys(self) -> Iterator[str]:
        """Every live media storage key, in code-point order."""
        return increasing(self._rows("media", start=""), key=storage_key, what="media keys")

    def _rows(self, resource: str, start: Any) -> Iterator[Any]:
        """The rows of every page, first to last, following `next_after`."""
        after = start
        while True:
            body = self._get(resource, after)
            yield from body["results"]
            after = body["next_after"]
            if after is None:
                return
            if self.pause:
                time.sleep(self.pause)

    def _get(self, resource: str, after: Any) -> dict[str, Any]:
        """GET one page and check it looks like one."""
        url = f"{self.base_url}/api/v1/audit/{resource}/"
        try:
            response = self.session.get(
                url, params={"after": after, "limit": self.page_size}, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise CatalogUnreadable(f"cannot reach the catalog at {url}: {exc}") from exc
        if response.status_code != 200:
            raise CatalogUnreadable(f"the catalog answered HTTP {response.status_code} for {url}")
        try:
            body = response.json()
        except ValueError as exc:
            raise CatalogUnreadable(f"the catalog's answer for {url} is not JSON") from exc
        if not (isinstance(body, dict) and isinstance(body.get("results"), list) and "next_after" in body):
            raise CatalogUnreadable(f"the catalog's answer for {url} is not an audit page")
        return body


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
