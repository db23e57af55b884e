"""Fixtures of the search service's tests: an isolated database per run, events as the catalog sends them."""

import uuid

import pytest

from search.backends import SearchResults


@pytest.fixture(scope="session")
def django_db_modify_db_settings():
    """Give this run a database of its own, so parallel runs never meet."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        db.setdefault("TEST", {})["NAME"] = f"test_ripple_search_{uuid.uuid4().hex[:8]}"


def found(query: str) -> list[int]:
    """The product ids a query finds, best first."""
    return [doc.product_id for doc in SearchResults(query)[0:1000]]
