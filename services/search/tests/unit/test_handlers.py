"""The handlers through the service's own task body (inbox + one transaction), on SQLite and PostgreSQL."""

import pytest
from django.db import transaction

from ripple_runtime.inbox.models import ProcessedEvent
from ripple_runtime.messaging.service import PermanentFailure
from ripple_runtime.messaging.tasks import process
from search import indexing
from search.handlers import document_from, index_upserted
from search.models import SearchDocument, Tombstone
from search.service import SERVICE
from tests.conftest import found
from tests.factories import deleted, upserted

pytestmark = pytest.mark.django_db


def handle(*events) -> int:
    """Process events the way the worker does: runs of one type, each as one batch; returns how many ran."""
    done, run = 0, []
    for event in [*events, None]:
        if run and (event is None or event.type != run[0].type):
            done += process(SERVICE, run[0].type, run)
            run = []
        if event is not None:
            run.append(event)
    return done


def test_search_finds_a_product_by_its_name_description_sku_and_category():
    handle(
        upserted(1, name="Enamel kettle", description="Whistles when the water boils", sku="KT-2041"),
        upserted(2, name="Tea towel", category_name="Linen"),
    )
    assert found("kettle") == [1]
    assert found("whistles") == [1]
    assert found("KT-2041") == [1]
    assert found("2041") == [1]
    assert found("linen") == [2]
    assert found("enamel boils") == [1]  # every word must match
    assert found("enamel linen") == []
    assert found("kett") == [1]  # words match as prefixes


def test_a_name_match_ranks_above_a_description_or_category_match():
    handle(
        upserted(1, name="Cup holder", description="Holds a mug steady"),
        upserted(2, name="Plate", category_name="Mug accessories"),
        upserted(3, name="Stoneware mug", description="A mug"),
    )
    assert found("mug")[0] == 3
    assert sorted(found("mug")) == [1, 2, 3]


def test_a_newer_upsert_replaces_the_document_and_an_older_one_changes_nothing():
    handle(upserted(1, version=2, name="Teapot"), upserted(1, version=3, name="Coffee press"))
    handle(upserted(1, version=1, name="Samovar"))
    doc = SearchDocument.objects.get(product_id=1)
    assert (doc.version, doc.name) == (3, "Coffee press")
    assert found("coffee") == [1]
    assert found("teapot") == found("samovar") == []


def test_a_delete_removes_the_document_and_keeps_a_tombstone_with_its_version():
    handle(upserted(1, version=3, name="Teapot"), upserted(2, name="Teacup"))
    handle(deleted(1, version=4))
    assert found("tea") == [2]
    assert not SearchDocument.objects.filter(product_id=1).exists()
    assert Tombstone.objects.get(product_id=1).version == 4


def test_an_upsert_arriving_after_the_delete_of_a_newer_version_stays_deleted():
    handle(deleted(7, version=4))
    handle(upserted(7, version=3, name="Zombie lamp"))
    assert found("zombie") == []
    assert not SearchDocument.objects.filter(product_id=7).exists()
    assert Tombstone.objects.get(product_id=7).version == 4


def test_an_older_delete_does_not_lower_the_tombstone_and_any_delete_removes_the_product():
    handle(deleted(1, version=6), upserted(2, version=5, name="Lamp"))
    handle(deleted(1, version=2), deleted(2, version=4))
    assert Tombstone.objects.get(product_id=1).version == 6
    assert found("lamp") == []
    assert Tombstone.objects.get(product_id=2).version == 4


def test_a_tombstone_is_final_even_for_an_upsert_with_a_higher_version():
    handle(upserted(5, version=2, name="Ghost chair"), deleted(5, version=3))
    handle(upserted(5, version=9, name="Ghost chair"))
    with transaction.atomic():
        result = indexing.upsert_documents([document_from(upserted(5, version=99).data)])  # as reindex writes
    assert result == indexing.UpsertResult(tombstoned=1)
    assert found("ghost") == [] and not SearchDocument.objects.filter(product_id=5).exists()
    assert Tombstone.objects.get(product_id=5).version == 3


def test_the_same_event_twice_has_one_effect():
    event = upserted(1, name="Teapot")
    assert handle(event, event) == 1
    first = SearchDocument.objects.get(product_id=1)
    assert handle(event) == 0
    assert SearchDocument.objects.get(product_id=1).updated_at == first.updated_at
    assert ProcessedEvent.objects.filter(event_id=event.id).count() == 1
    assert found("teapot") == [1]


def test_a_batch_of_100_mixed_events_gives_the_same_index_in_any_order(django_assert_max_num_queries):
    ups = [
        upserted(n % 40, version=1 + n // 40, name=f"Widget {n % 40} mark{1 + n // 40}") for n in range(80)
    ]
    downs = [deleted(n, version=10) for n in range(30, 50)]
    with django_assert_max_num_queries(18):  # two batches, each a few bulk queries, not one per event
        handle(*ups, *downs)
    after_deletes = {doc.product_id: doc.version for doc in SearchDocument.objects.all()}
    assert set(after_deletes) == set(range(30)) and set(after_deletes.values()) == {2}
    assert Tombstone.objects.count() == 20
    assert found("mark1") == [] and len(found("widget mark2")) == 30

    for model in (SearchDocument, Tombstone, ProcessedEvent):  # start over, deletes first this time
        model.objects.all().delete()
    handle(*reversed(downs))
    handle(*reversed(ups))
    assert {doc.product_id: doc.version for doc in SearchDocument.objects.all()} == after_deletes


def test_a_document_id_too_long_to_store_is_a_permanent_failure():
    event = upserted(1)
    event = event.model_copy(update={"data": event.data.model_copy(update={"search_document_id": "x" * 300})})
    with pytest.raises(PermanentFailure), transaction.atomic():
        index_upserted([event])


@pytest.mark.django_db(transaction=True)
def test_index_writes_refuse_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError, match="transaction"):
        indexing.remove_documents({1: 1})
    with pytest.raises(RuntimeError, match="transaction"):
        indexing.upsert_documents([])
