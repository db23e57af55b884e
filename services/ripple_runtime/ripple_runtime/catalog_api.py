"""The one way a consuming service reads the catalog's REST API (reindex, audits): JSON over requests.

`CatalogSession` sends authenticated GETs with a timeout on every call, retries them on a fresh
connection when a pooled one was closed under it (a pause between pages outlasts gunicorn's 2 s
keep-alive), and turns every way the catalog can fail to answer into `CatalogUnreadable`, whose
message says what went wrong and where.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


class CatalogUnreadable(Exception):
    """The catalog could not be read, or answered something that is not what was asked for."""


class CatalogSession:
    """A requests session on the catalog API: token auth, JSON, a timeout and retried idempotent GETs."""

    def __init__(self, base_url: str, *, token: str = "", timeout: float = 10.0):
        """Prepare the session; nothing is sent before the first GET."""
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        retries = HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.2, allowed_methods={"GET"}))
        self.session.mount("http://", retries)
        self.session.mount("https://", retries)
        self.session.headers["Accept"] = "application/json"
        if token:
            self.session.headers["Authorization"] = f"Token {token}"

    def url(self, path: str) -> str:
        """The absolute URL of an API path such as `/api/v1/products/`."""
        return f"{self.base_url}{path}"

    def get_object(
        self, url: str, params: dict[str, Any] | None = None, *, missing_ok: bool = False
    ) -> dict[str, Any] | None:
        """GET `url` and return its JSON object; None on 404 if `missing_ok`; CatalogUnreadable otherwise."""
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise CatalogUnreadable(f"cannot reach the catalog at {url}: {exc}") from exc
        if missing_ok and response.status_code == 404:
            return None
        if response.status_code != 200:
            raise CatalogUnreadable(f"the catalog answered HTTP {response.status_code} for {url}")
        try:
            body = response.json()
        except ValueError as exc:
            raise CatalogUnreadable(f"the catalog's answer for {url} is not JSON") from exc
        if not isinstance(body, dict):
            raise CatalogUnreadable(f"the catalog's answer for {url} is not an object")
        return body

    def get_page(self, url: str, params: dict[str, Any] | None = None, *, then: str) -> dict[str, Any]:
        """GET one page: an object with a `results` list and the key `then` naming what comes next."""
        body = self.get_object(url, params)
        if not isinstance(body.get("results"), list) or then not in body:
            raise CatalogUnreadable(f"the catalog's answer for {url} is not a page of results")
        return body
