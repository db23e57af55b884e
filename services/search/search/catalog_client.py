"""Read the catalog's API with requests: pages following `next` (`reindex`), or one object (`audit`)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import requests

from search.models import SearchDocument
from shared_contracts.events.catalog import search_document_id

PAGE_SIZE = 100


class CatalogError(Exception):
    """The catalog could not be read, or answered something that is not a page of its API."""


class CatalogClient:
    """A requests session on the catalog API, with a timeout on every call."""

    def __init__(self, base_url: str, *, token: str = "", timeout: float = 10.0):
        """Prepare the session; nothing is sent before the first page is asked for."""
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        if token:
            self.session.headers["Authorization"] = f"Token {token}"

    def pages(self, resource: str) -> Iterator[list[dict[str, Any]]]:
        """Yield the results of each page of `/api/v1/<resource>/`, first to last."""
        url: str | None = f"{self.base_url}/api/v1/{resource}/?page=1&page_size={PAGE_SIZE}"
        visited: set[str] = set()
        while url:
            if url in visited:
                raise CatalogError(f"the catalog's pages loop back to {url}")
            visited.add(url)
            body = self._get(url)
            yield body["results"]
            url = body.get("next")

    def one(self, resource: str, object_id: int) -> dict[str, Any] | None:
        """`/api/v1/<resource>/<id>/` as a dict, or None if the catalog has no such object (404)."""
        url = f"{self.base_url}/api/v1/{resource}/{object_id}/"
        try:
            response = self.session.get(url, timeout=self.timeout)
        except requests.RequestException as exc:
            raise CatalogError(f"cannot reach the catalog at {url}: {exc}") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise CatalogError(f"the catalog answered HTTP {response.status_code} for {url}")
        try:
            body = response.json()
        except ValueError as exc:
            raise CatalogError(f"the catalog's answer for {url} is not JSON") from exc
        if not isinstance(body, dict):
            raise CatalogError(f"the catalog's answer for {url} is not an object")
        return body

    def _get(self, url: str) -> dict[str, Any]:
        """GET one page and check it looks like one."""
        try:
            response = self.session.get(url, timeout=self.timeout)
        except requests.RequestException as exc:
            raise CatalogError(f"cannot reach the catalog at {url}: {exc}") from exc
        if response.status_code != 200:
            raise CatalogError(f"the catalog answered HTTP {response.status_code} for {url}")
        try:
            body = response.json()
        except ValueError as exc:
            raise CatalogError(f"the catalog's answer for {url} is not JSON") from exc
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise CatalogError(f"the catalog's answer for {url} is not a page of results")
        return body


def category_names(client: CatalogClient) -> dict[int, str]:
    """Every category's name by id, read from the catalog."""
    try:
        return {int(c["id"]): str(c["name"]) for page in client.pages("categories") for c in page}
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError("unexpected category in the catalog's answer") from exc


def document_from_product(product: dict[str, Any], category_names: dict[int, str]) -> SearchDocument:
    """The index document of a product as the catalog API shows it."""
    try:
        price = product.get("price")
        return SearchDocument(
            product_id=int(product["id"]),
            document_id=search_document_id(int(product["id"])),
            sku=str(product["sku"]),
            name=str(product["name"]),
            description=str(product.get("description") or ""),
            price=None if price is None else Decimal(str(price)),
            category_id=product.get("category"),
            category_name=product.get("category_name") or category_names.get(product.get("category"), ""),
            version=int(product["version"]),
        )
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise CatalogError(f"unexpected product in the catalog's answer: {product!r:.200}") from exc
