"""The search API's OpenAPI against the served API (schemathesis, every check), with documents to find."""

import pytest
from django.db import transaction

from ripple_testing.conformance import answers, run_schemathesis, serve_api
from search import indexing
from search.models import SearchDocument

pytestmark = pytest.mark.django_db(transaction=True)


def test_schemathesis_finds_no_mismatch_and_no_server_error(tmp_path):
    with transaction.atomic():
        indexing.upsert_documents(
            SearchDocument(product_id=n, document_id=f"product:{n}", sku=f"A-{n}", name=f"{w} {n}", version=1)
            for n, w in enumerate(["a", "0", "lamp", "mug", "tea"] * 10, start=1)
        )
    with serve_api("search", tmp_path) as base_url:
        assert answers(f"{base_url}/api/docs/")
        report = run_schemathesis(base_url, tmp_path)
    assert "1 selected / 1 total" in report and " passed" in report
