"""The search service's read API: `GET /api/v1/search?q=…&page=…&page_size=…`."""
