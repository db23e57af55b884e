"""A page of matches and their total count from one SQL statement, so both come from one snapshot.

Counting and fetching in two statements lets a delete commit in between (`count: 1, results: []`).
Here the backend's matches are a CTE, the count a one-row CTE over them, and the page a LEFT JOIN
to it: one row with an empty page past the end, so the count is always there.
"""

from __future__ import annotations

from search.models import SearchDocument

PAGE_SQL = """
    WITH matches AS ({matches}), total AS (SELECT count(*) AS total_count FROM matches)
    SELECT total.total_count, page.* FROM total LEFT JOIN (
        SELECT * FROM matches ORDER BY score DESC, product_id LIMIT %s OFFSET %s
    ) AS page ON 1 = 1
    ORDER BY page.score DESC, page.product_id
"""


def one_snapshot_page(
    matches_sql: str, query: str, offset: int, limit: int
) -> tuple[int, list[SearchDocument]]:
    """The number of matches of `matches_sql` (one parameter: the query) and a window of them, best first."""
    rows = list(SearchDocument.objects.raw(PAGE_SQL.format(matches=matches_sql), [query, limit, offset]))
    return rows[0].total_count, [row for row in rows if row.pk is not None]
