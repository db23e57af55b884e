"""SQLite: an FTS5 table over search_document (kept in step by triggers), ranked by bm25.

The bm25 weights follow the FTS5 columns (name, sku, category_name, description): name and SKU
matches rank first. The score is negated bm25 so that, as on PostgreSQL, higher is better.
"""

from __future__ import annotations

from search.backends.paging import one_snapshot_page
from search.models import SearchDocument

MATCHES_SQL = """
    SELECT d.id, d.product_id, d.document_id, d.sku, d.name, d.description, d.price, d.category_id,
           d.category_name, d.version, d.updated_at,
           -bm25(search_document_fts, 10.0, 10.0, 4.0, 1.0) AS score
    FROM search_document_fts JOIN search_document AS d ON d.id = search_document_fts.rowid
    WHERE search_document_fts MATCH %s
"""


def match_expression(terms: list[str]) -> str:
    """Every term as a quoted prefix, all required: `"blue"* AND "mug"*`."""
    return " AND ".join(f'"{term}"*' for term in terms)


class SqliteBackend:
    """Full-text search on the search_document_fts table."""

    def lock_products(self, product_ids: list[int]) -> None:
        """Nothing to do: the service's SQLite transactions are IMMEDIATE, so writers already take turns."""

    def page(self, terms: list[str], offset: int, limit: int) -> tuple[int, list[SearchDocument]]:
        """Count and one page of matches, best first."""
        return one_snapshot_page(MATCHES_SQL, match_expression(terms), offset, limit)
