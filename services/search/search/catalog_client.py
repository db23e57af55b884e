"""Read the catalog's API: pages following `next` (`reindex`), or one object (`audit`)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from ripple_runtime.catalog_api import CatalogSession, CatalogUnreadable
from search.models import SearchDocument
from shared_contracts.events.catalog import search_document_id

PAGE_SIZE = 100


class CatalogClient(CatalogSession):
    """The catalog's public REST API: pages of a resource, or one object."""

    def pages(self, resource: str) -> Iterator[list[dict[str, Any]]]:
        """Yield the results of each page of `/api/v1/<resource>/`, first to last, following `next`."""
        url: str | None = self.url(f"/api/v1/{resource}/?page=1&page_size={PAGE_SIZE}")
        visited: set[str] = set()
        while url:
            if url in visited:
                raise CatalogUnreadable(f"the catalog's pages loop back to {url}")
            visited.add(url)
            body = self.get_page(url, then="next")
            yield body["results"]
            url = body["next"]

    def one(self, resource: str, object_id: int) -> dict[str, Any] | None:
        """`/api/v1/<resource>/<id>/` as a dict, or None if the catalog has no such object (404)."""
        return self.get_object(self.url(f"/api/v1/{resource}/{object_id}/"), missing_ok=True)


def category_names(client: CatalogClient) -> dict[int, str]:
    """Every category's name by id, read from the catalog."""
    try:
        return {int(c["id"]): str(c["name"]) for page in client.pages("categories") for c in page}
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogUnreadable("unexpected category in the catalog's answer") from exc


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
        raise CatalogUnreadable(f"unexpected product in the catalog's answer: {product!r:.200}") from exc
