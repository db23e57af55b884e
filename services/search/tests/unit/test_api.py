"""The read API: ranked, paginated results; every bad request is a JSON 400 that says what is wrong."""

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from search import indexing
from search.models import SearchDocument

pytestmark = pytest.mark.django_db
URL = "/api/v1/search"


def index(*documents: dict) -> None:
    """Put documents straight into the index."""
    with transaction.atomic():
        indexing.upsert_documents(
            SearchDocument(document_id=f"product:{doc['product_id']}", version=1, **doc) for doc in documents
        )


@pytest.fixture
def api():
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def lamps():
    """45 lamps, and one product that is no lamp."""
    index(*({"product_id": n, "sku": f"LMP-{n}", "name": f"Desk lamp {n}"} for n in range(1, 46)))
    index({"product_id": 99, "sku": "RUG-1", "name": "Rug", "description": "Goes well with a lamp"})


def test_results_are_ranked_and_paginated_with_links(api, lamps):
    first = api.get(URL, {"q": "lamp", "page_size": 20})
    assert first.status_code == 200 and first["Content-Type"] == "application/json"
    body = first.json()
    assert body["count"] == 46
    assert [hit["product_id"] for hit in body["results"]] == list(range(1, 21))
    assert body["previous"] is None and "page=2" in body["next"]
    hit = body["results"][0]
    assert hit["sku"] == "LMP-1" and hit["document_id"] == "product:1" and hit["score"] > 0

    last = api.get(body["next"].replace("page=2", "page=3")).json()
    assert [hit["product_id"] for hit in last["results"]] == [41, 42, 43, 44, 45, 99]  # the rug ranks last
    assert last["next"] is None


def test_defaults_and_the_trailing_slash(api, lamps):
    body = api.get(URL + "/", {"q": "  desk LAMP  "}).json()
    assert body["count"] == 45 and len(body["results"]) == 20


def test_no_match_and_no_searchable_words_give_an_empty_page(api, lamps):
    for query in ("teapot", "%%% !!"):
        response = api.get(URL, {"q": query})
        assert response.status_code == 200
        assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "lamp", "page_size": "101"}, "page_size"),
        ({"q": "lamp", "page_size": "0"}, "page_size"),
        ({"q": "lamp", "page_size": "ten"}, "page_size"),
        ({"q": "lamp", "page": "0"}, "page"),
        ({"q": "lamp", "page": "-1"}, "page"),
        ({"q": "lamp", "page": "last"}, "page"),
        ({"q": "lamp", "page": "9" * 5000}, "page"),
        ({"q": "lamp\x00"}, "q"),
    ],
)
def test_bad_input_is_a_json_400_naming_the_parameter(api, lamps, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Invalid input." and field in body["errors"]


def test_the_largest_page_and_a_page_past_the_end(api, lamps):
    assert len(api.get(URL, {"q": "lamp", "page_size": 100}).json()["results"]) == 46
    past = api.get(URL, {"q": "lamp", "page": 9})
    assert past.status_code == 404 and "detail" in past.json()


def test_the_api_is_read_only(api):
    response = api.post(URL, {"q": "lamp"}, format="json")
    assert response.status_code == 405 and "detail" in response.json()


def test_unknown_urls_are_json_404s(api):
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_health_endpoints(api):
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == {"ok": True}
