"""A stand-in catalog API served over real HTTP from a thread: paginated JSON with `next` links."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeCatalog:
    """Serve `/api/v1/categories/` and `/api/v1/products/` as the catalog does; record every request."""

    def __init__(
        self, products: list[dict], categories: list[dict], fail_with: int | None = None, fail_from: int = 1
    ):
        """Hold the data; `fail_with` makes products pages from `fail_from` on answer that HTTP status."""
        self.data = {"products": products, "categories": categories}
        self.fail_with, self.fail_from = fail_with, fail_from
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeCatalog:
        """Start serving."""
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def page(self, path: str) -> tuple[int, dict]:
        """The status and body of a list page, like DRF's PageNumberPagination."""
        parts = urlsplit(path)
        resource = parts.path.strip("/").rsplit("/", 1)[-1]
        if resource not in self.data:
            return 404, {"detail": "Not found."}
        query = parse_qs(parts.query)
        number, size = int(query.get("page", ["1"])[0]), int(query.get("page_size", ["50"])[0])
        if resource == "products" and self.fail_with and number >= self.fail_from:
            return self.fail_with, {"detail": "Server error."}
        items = self.data[resource]
        start = (number - 1) * size
        has_next = start + size < len(items)
        link = f"{self.url}{parts.path}?page={number + 1}&page_size={size}"
        return 200, {
            "count": len(items),
            "next": link if has_next else None,
            "previous": None,
            "results": items[start : start + size],
        }

    def _handler(self):
        """The request handler class, bound to this catalog."""
        catalog = self

        class Handler(BaseHTTPRequestHandler):
            """Serves the catalog's list pages."""

            def do_GET(self):
                """Answer a list page and remember the path asked for."""
                catalog.requests.append(self.path)
                status, body = catalog.page(self.path)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                """Keep the test output quiet."""

        return Handler


def product(product_id: int, version: int = 1, category: int | None = 1, **fields) -> dict:
    """A product as the catalog API shows it."""
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
