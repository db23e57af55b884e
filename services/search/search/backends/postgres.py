"""PostgreSQL: a generated, weighted tsvector column with a GIN index, ranked by ts_rank.

The text search configuration ('english') is the one the column is generated with (migration 0002).
"""

from __future__ import annotations

from django.db import connection

from search.backends.paging import one_snapshot_page
from search.models import SearchDocument

LOCK_SQL = "SELECT pg_advisory_xact_lock(id) FROM unnest(%s::bigint[]) AS id"
MATCHES_SQL = """
    SELECT id, product_id, document_id, sku, name, description, price, category_id, category_name,
           version, updated_at, ts_rank(search_vector, query) AS score
    FROM search_document, to_tsquery('english', %s) AS query
    WHERE search_vector @@ query
"""


def tsquery(terms: list[str]) -> str:
    """Every term as a prefix, all required: `blue:* & mug:*`."""
    return " & ".join(f"{term}:*" for term in terms)


class PostgresBackend:
    """Full-text search on the `search_vector` column of search_document."""

    def lock_products(self, product_ids: list[int]) -> None:
        """Take a transaction-scoped advisory lock per product, in id order so writers never deadlock."""
        with connection.cursor() as cursor:
            cursor.execute(LOCK_SQL, [sorted(set(product_ids))])

    def page(self, terms: list[str], offset: int, limit: int) -> tuple[int, list[SearchDocument]]:
        """Count and one page of matches by ts_rank (name and SKU weigh most, then category, description)."""
        return one_snapshot_page(MATCHES_SQL, tsquery(terms), offset, limit)
