"""Search answers under a stream of deletes: the count and the page always come from one snapshot."""

import threading

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from search import indexing
from search.models import SearchDocument

pytestmark = pytest.mark.django_db(transaction=True)
PRODUCTS = 100


def delete_one_by_one(product_ids: list[int], stop: threading.Event) -> None:
    """Delete products one per transaction, as the worker does, until done or told to stop."""
    try:
        for product_id in product_ids:
            if stop.is_set():
                return
            with transaction.atomic():
                indexing.remove_documents({product_id: 2})
    finally:
        connection.close()


def test_count_and_results_agree_while_products_are_deleted():
    assert connection.vendor == "postgresql"
    with transaction.atomic():
        indexing.upsert_documents(
            SearchDocument(
                product_id=n, document_id=f"product:{n}", sku=f"L-{n}", name=f"Lamp {n}", version=1
            )
            for n in range(1, PRODUCTS + 1)
        )
    stop = threading.Event()
    deleter = threading.Thread(target=delete_one_by_one, args=(list(range(1, PRODUCTS + 1)), stop))
    api, answers, torn = APIClient(), 0, []
    deleter.start()
    try:
        while deleter.is_alive() or answers == 0:
            body = api.get("/api/v1/search", {"q": "lamp", "page_size": 100}).json()
            answers += 1
            if body["count"] != len(body["results"]):
                torn.append((body["count"], len(body["results"])))
    finally:
        stop.set()
        deleter.join()
    assert answers > 20, "the deletes finished before the test could read during them"
    assert torn == [], f"{len(torn)} of {answers} answers disagree with themselves: {torn[:5]}"
    assert api.get("/api/v1/search", {"q": "lamp"}).json()["count"] == 0
