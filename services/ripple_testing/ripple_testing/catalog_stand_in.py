"""A stand-in of the catalog's REST API over real HTTP, for the services' audit and reindex tests.

It serves, with the catalog's token auth:
- `/api/v1/audit/products/` and `/api/v1/audit/media/` with the catalog's keyset pagination;
- `/api/v1/products/` and `/api/v1/categories/` as DRF's page-number pages with `next` links;
- `/api/v1/products/{id}/` and `/api/v1/categories/{id}/`.
`on_page(resource, number)` runs before each audit page is answered: the place a test changes
things in the middle of an audit. The data may change between pages, as the real catalog's does.
`fail_with` makes product list pages from `fail_from` on answer that HTTP status.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class CatalogStandIn:
    """Live products ({id: product dict}), media keys and categories; records the paths asked for."""

    def __init__(
        self,
        products: dict[int, dict],
        keys: list[str] = (),
        categories: list[dict] = (),
        token: str = "audit-token",  # noqa: S107 - a test token
        fail_with: int | None = None,
        fail_from: int = 1,
    ):
        """Hold the data; nothing is served before `__enter__`."""
        self.products, self.keys, self.token = products, list(keys), token
        self.categories = list(categories)
        self.fail_with, self.fail_from = fail_with, fail_from
        self.on_page: Callable[[str, int], None] | None = None
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> CatalogStandIn:
        """Start serving."""
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str, authorization: str) -> tuple[int, object]:
        """The status and body of a request."""
        if authorization != f"Token {self.token}":
            return 401, {"detail": "Authentication credentials were not provided."}
        parts = urlsplit(path)
        query = {name: values[0] for name, values in parse_qs(parts.query, keep_blank_values=True).items()}
        segments = parts.path.strip("/").split("/")
        if segments[:3] == ["api", "v1", "audit"] and len(segments) == 4:
            return 200, self.page(segments[3], query)
        if len(segments) == 3 and segments[2] in ("products", "categories"):
            return self.list_page(parts.path, segments[2], query)
        if len(segments) == 4 and segments[2] == "products" and int(segments[3]) in self.products:
            return 200, self.products[int(segments[3])]
        if len(segments) == 4 and segments[2] == "categories":
            return 200, {"id": int(segments[3]), "name": f"Category {segments[3]}"}
        return 404, {"detail": "Not found."}

    def page(self, resource: str, query: dict[str, str]) -> dict:
        """One keyset page, as catalog.api.audit answers it."""
        limit = int(query.get("limit", "1000"))
        if resource == "products":
            after = int(query.get("after", "0"))
            rows = [[pid, self.products[pid]["version"]] for pid in sorted(self.products) if pid > after]
        else:
            after = query.get("after", "")
            rows = [key for key in sorted(self.keys) if key > after]
        rows = rows[:limit]
        last = (rows[-1][0] if resource == "products" else rows[-1]) if rows else None
        return {"results": rows, "next_after": last if len(rows) == limit else None}

    def list_page(self, path: str, resource: str, query: dict[str, str]) -> tuple[int, dict]:
        """The status and body of a list page, like DRF's PageNumberPagination."""
        number, size = int(query.get("page", "1")), int(query.get("page_size", "50"))
        if resource == "products" and self.fail_with and number >= self.fail_from:
            return self.fail_with, {"detail": "Server error."}
        items = list(self.products.values()) if resource == "products" else self.categories
        start = (number - 1) * size
        link = f"{self.url}{path}?page={number + 1}&page_size={size}"
        return 200, {
            "count": len(items),
            "next": link if start + size < len(items) else None,
            "previous": None,
            "results": items[start : start + size],
        }

    def _handler(self):
        """The request handler class, bound to this catalog."""
        catalog = self

        class Handler(BaseHTTPRequestHandler):
            """Serves the catalog's pages and objects."""

            def do_GET(self):
                """Run the test's hook for audit pages, then answer."""
                catalog.requests.append(self.path)
                if "/audit/" in self.path and catalog.on_page:
                    resource = urlsplit(self.path).path.strip("/").split("/")[-1]
                    catalog.on_page(resource, sum(f"/audit/{resource}/" in p for p in catalog.requests))
                status, body = catalog.answer(self.path, self.headers.get("Authorization", ""))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                """Keep the test output quiet."""

        return Handler


def catalog_product(product_id: int, version: int = 1, category: int | None = 1, **fields) -> dict:
    """A product as the catalog API's detail view shows it."""
    return {
        "id": product_id,
        "category": category,
        "sku": f"SKU-{product_id}",
        "name": f"Product {product_id}",
        "description": "",
        "price": "9.50",
        "version": version,
        "media": [],
        **fields,
    }
