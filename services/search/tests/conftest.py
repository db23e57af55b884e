"""Fixtures of the search service's tests: an isolated database per run, events as the catalog sends them."""

from search.backends import SearchResults

pytest_plugins = ["ripple_testing.django_fixtures"]


def found(query: str) -> list[int]:
    """The product ids a query finds, best first."""
    return [doc.product_id for doc in SearchResults(query)[0:1000]]
