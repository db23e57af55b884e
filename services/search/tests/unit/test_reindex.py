"""`manage.py reindex` against a real HTTP server: pages, versions, tombstones, and a catalog that is down."""

import os
import socket
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from ripple_testing.catalog_stand_in import CatalogStandIn, catalog_product
from search import indexing
from search.models import SearchDocument, Tombstone
from tests.conftest import found

pytestmark = pytest.mark.django_db
SEARCH_DIR = Path(__file__).resolve().parents[2]
CATEGORIES = [{"id": 1, "name": "Lighting"}, {"id": 2, "name": "Kitchen"}]


@pytest.fixture(autouse=True)
def catalog_token(settings):
    """The stand-in catalog's token, as an operator configures it."""
    settings.CATALOG_API_TOKEN = "audit-token"


def by_id(products: list[dict]) -> dict[int, dict]:
    """Products keyed by id, in the order given (the catalog's list order)."""
    return {product["id"]: product for product in products}


def reindex(catalog: CatalogStandIn, *args: str) -> str:
    """Run the command against the stand-in catalog and return what it printed."""
    out = StringIO()
    call_command("reindex", "--catalog-url", catalog.url, *args, stdout=out)
    return out.getvalue()


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_reindex_reads_every_page_and_indexes_every_product():
    products = [catalog_product(n, category=2 if n % 2 else 1) for n in range(1, 251)]
    products[0].update(name="Brass lamp", description="Warm glow", sku="LMP-7", price=None)
    with CatalogStandIn(by_id(products), categories=CATEGORIES) as catalog:
        output = reindex(catalog)
    product_pages = [path for path in catalog.requests if path.startswith("/api/v1/products/")]
    assert product_pages == [f"/api/v1/products/?page={n}&page_size=100" for n in (1, 2, 3)]
    assert "reindexed 250 products" in output and "250 written" in output
    assert SearchDocument.objects.count() == 250
    lamp = SearchDocument.objects.get(product_id=1)
    assert (lamp.document_id, lamp.category_name, lamp.price) == ("product:1", "Kitchen", None)
    assert SearchDocument.objects.get(product_id=2).price == Decimal("9.50")
    assert found("brass") == found("LMP-7") == found("warm glow") == [1]
    assert len(found("lighting")) == 125


def test_reindex_keeps_newer_documents_and_never_revives_deleted_products():
    with transaction.atomic():
        indexing.upsert_documents(
            [SearchDocument(product_id=1, document_id="product:1", sku="N", name="Newer", version=9)]
        )
        indexing.remove_documents({2: 5})
    catalog_view = [
        catalog_product(1, version=2),
        catalog_product(2, version=4, name="Ghost"),
        catalog_product(3, version=1),
    ]
    with CatalogStandIn(by_id(catalog_view), categories=CATEGORIES) as catalog:
        output = reindex(catalog)
        again = reindex(catalog)
    assert "1 written, 1 already current, 1 deleted (tombstoned)" in output
    assert "0 written, 2 already current, 1 deleted (tombstoned)" in again
    assert SearchDocument.objects.get(product_id=1).name == "Newer"
    assert found("ghost") == [] and Tombstone.objects.get(product_id=2).version == 5
    assert found("product 3") == [3]


def test_prune_removes_documents_the_catalog_no_longer_lists():
    with transaction.atomic():
        indexing.upsert_documents(
            SearchDocument(product_id=n, document_id=f"product:{n}", sku=f"S{n}", name="Old lamp", version=1)
            for n in (1, 2)
        )
    with CatalogStandIn(by_id([catalog_product(1)]), categories=CATEGORIES) as catalog:
        assert "0 pruned" in reindex(catalog)
        assert SearchDocument.objects.count() == 2
        assert "1 pruned" in reindex(catalog, "--prune")
    assert list(SearchDocument.objects.values_list("product_id", flat=True)) == [1]
    assert Tombstone.objects.get(product_id=2).version == 1


def test_an_unreachable_catalog_is_a_clear_error():
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(CommandError, match=f"cannot reach the catalog at {url}/api/v1/categories/"):
        call_command("reindex", "--catalog-url", url)
    assert SearchDocument.objects.count() == 0


def test_a_failing_catalog_is_a_clear_error():
    with (
        CatalogStandIn(by_id([catalog_product(1)]), categories=CATEGORIES, fail_with=502) as catalog,
        pytest.raises(CommandError, match=r"the catalog answered HTTP 502 for .*/api/v1/products/"),
    ):
        reindex(catalog)


def test_pages_read_before_the_catalog_failed_stay_indexed():
    products = [catalog_product(n) for n in range(1, 151)]
    with (
        CatalogStandIn(by_id(products), categories=CATEGORIES, fail_with=500, fail_from=2) as catalog,
        pytest.raises(
            CommandError, match="reindex stopped after 100 products: the catalog answered HTTP 500"
        ),
    ):
        reindex(catalog)
    assert SearchDocument.objects.count() == 100


def test_the_command_exits_non_zero_when_the_catalog_is_down(tmp_path):
    env = {
        **os.environ,
        "CATALOG_API_URL": f"http://127.0.0.1:{closed_port()}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "reindex"],
        cwd=SEARCH_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "reindex stopped after 0 products: cannot reach the catalog" in done.stderr
    assert "Traceback" not in done.stderr
