"""The audit's merge of two sorted streams, and its refusal of a listing that is out of order."""

import pytest

from ripple_runtime.audit.catalog_listing import increasing, product_id, storage_key
from ripple_runtime.audit.merge import outer_join
from ripple_runtime.catalog_api import CatalogUnreadable


def test_outer_join_pairs_every_key_of_either_stream_in_order():
    held = [(1, "a"), (2, "b"), (5, "e"), (9, "i")]
    listed = [(2, 7), (3, 1), (9, 2), (10, 1)]
    pairs = list(outer_join(held, listed, lambda row: row[0], lambda row: row[0]))
    assert pairs == [
        ((1, "a"), None),
        ((2, "b"), (2, 7)),
        (None, (3, 1)),
        ((5, "e"), None),
        ((9, "i"), (9, 2)),
        (None, (10, 1)),
    ]
    assert list(outer_join([], ["x"])) == [(None, "x")] and list(outer_join(["x"], [])) == [("x", None)]


def test_outer_join_reads_lazily():
    def endless():
        n = 0
        while True:
            n += 1
            yield n

    joined = outer_join(endless(), iter([2]))
    assert [next(joined) for _ in range(3)] == [(1, None), (2, 2), (3, None)]


def test_a_listing_out_of_order_or_repeating_a_key_is_refused():
    assert list(increasing(["a", "b", "c"], storage_key, "keys")) == ["a", "b", "c"]
    with pytest.raises(CatalogUnreadable, match="not in order at 'b'"):
        list(increasing(["a", "c", "b"], storage_key, "keys"))
    with pytest.raises(CatalogUnreadable, match="not in order at 2"):
        list(increasing([[1, 1], [2, 1], [2, 3]], product_id, "products"))
    with pytest.raises(CatalogUnreadable, match="unexpected product row"):
        list(increasing([[1, "1"]], product_id, "products"))
