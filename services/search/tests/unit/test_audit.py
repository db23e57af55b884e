"""`manage.py audit` of search against an audit API over real HTTP: orphans, stale documents, races."""

import json
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from ripple_runtime.outbox.models import OutboxEvent
from ripple_testing.catalog_stand_in import CatalogStandIn, catalog_product
from search import indexing
from search.models import SearchDocument, Tombstone
from shared_contracts.events import CloudEvent, ReceiptV1
from tests.conftest import found


@pytest.fixture(autouse=True)
def audit_settings(settings):
    """The catalog's token; no grace, so documents written before the run are old enough."""
    settings.CATALOG_API_TOKEN = "audit-token"
    settings.AUDIT = {**settings.AUDIT, "GRACE_SECONDS": 0}


def index(product_id: int, version: int = 1, name: str = "Old lamp") -> None:
    """Index a document as an upsert event would, an hour ago."""
    with transaction.atomic():
        indexing.upsert_documents(
            [
                SearchDocument(
                    product_id=product_id,
                    document_id=f"product:{product_id}",
                    sku=f"S{product_id}",
                    name=name,
                    version=version,
                )
            ]
        )
    SearchDocument.objects.filter(product_id=product_id).update(
        updated_at=timezone.now() - timedelta(hours=1)
    )


def audit(catalog: CatalogStandIn, *args: str) -> list[dict]:
    """Run `audit --json` against the catalog; its JSON lines."""
    out = StringIO()
    call_command("audit", "--json", "--catalog-url", catalog.url, "--page-size", "2", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def findings(lines: list[dict]) -> set[tuple[str, str, str]]:
    """(kind, item, outcome) of each finding."""
    return {(line["finding"], line["item"], line["outcome"]) for line in lines if "finding" in line}


@pytest.mark.django_db
def test_orphans_and_documents_behind_are_reported_then_fixed_then_nothing_is_left():
    for product_id in (1, 2, 3, 4, 5):
        index(product_id)
    live = {1: catalog_product(1), 3: catalog_product(3, version=4, name="Brass lamp"), 5: catalog_product(5)}
    live[6] = catalog_product(6)  # in the catalog, not indexed: reindex's job
    with CatalogStandIn(live, []) as catalog:
        reported = audit(catalog)
        assert findings(reported) == {
            ("orphan", "document product:2", "found"),
            ("orphan", "document product:4", "found"),
            ("behind", "document product:3", "found"),
        }
        assert SearchDocument.objects.count() == 5 and not OutboxEvent.objects.exists()
        assert reported[-1]["summary"]["not_indexed"] == 1

        fixed = audit(catalog, "--fix")
        assert findings(fixed) == {
            ("orphan", "document product:2", "removed"),
            ("orphan", "document product:4", "removed"),
            ("behind", "document product:3", "refreshed"),
        }
        assert sorted(SearchDocument.objects.values_list("product_id", flat=True)) == [1, 3, 5]
        assert dict(Tombstone.objects.values_list("product_id", "version")) == {2: 1, 4: 1}
        assert found("brass") == [3] and SearchDocument.objects.get(product_id=3).version == 4
        again = audit(catalog, "--fix")[-1]["summary"]
        assert (again["orphans"], again["behind"]) == (0, 0)

    run_id = uuid.UUID(fixed[-1]["summary"]["audit_id"])
    messages = [CloudEvent[ReceiptV1].model_validate_json(row.body).data for row in OutboxEvent.objects.all()]
    assert {(m.service, m.deletion_id) for m in messages} == {("search", run_id)}
    receipts = [r for m in messages for r in m.receipts]
    assert sorted((r.event_type, r.item) for r in receipts) == [
        ("audit.behind", "document product:3"),
        ("audit.orphan", "document product:2"),
        ("audit.orphan", "document product:4"),
    ]
    assert {r.status for r in receipts} == {"repaired"}
    assert {r.event_id for r in receipts} == {uuid.uuid5(run_id, r.item) for r in receipts}


@pytest.mark.django_db(transaction=True)
def test_a_document_written_during_the_audit_is_never_touched():
    for product_id in range(1, 6):
        index(product_id)

    def upsert_meanwhile(resource: str, page: int) -> None:
        """A product created after its page of the listing was read: its upsert arrives now."""
        if page != 2:
            return
        try:
            with transaction.atomic():
                indexing.upsert_documents(
                    [SearchDocument(product_id=2, document_id="product:2", sku="N", name="New", version=7)]
                )
        finally:
            connection.close()  # the server's request thread: its connection must not outlive it

    live = {pid: catalog_product(pid) for pid in (1, 3, 4, 5)}  # 2 is not listed (yet)
    with CatalogStandIn(live, []) as catalog:
        catalog.on_page = upsert_meanwhile
        fixed = audit(catalog, "--fix")
    # read as an orphan before the upsert, then checked again under the product's lock: left alone
    assert findings(fixed) == {("orphan", "document product:2", "left")}
    assert SearchDocument.objects.get(product_id=2).version == 7 and not Tombstone.objects.exists()
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
def test_a_catalog_that_refuses_stops_the_audit_and_removes_nothing(settings):
    index(1)
    settings.CATALOG_API_TOKEN = "wrong"
    with CatalogStandIn({}, []) as catalog, pytest.raises(CommandError, match="HTTP 401"):
        audit(catalog, "--fix")
    assert SearchDocument.objects.count() == 1 and not Tombstone.objects.exists()
