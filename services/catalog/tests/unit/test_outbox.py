"""The outbox's own rules: batches are all or nothing and nest, old published rows are pruned."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Product
from outbox import recorder
from outbox.models import OutboxEvent
from outbox.relay import prune_published
from tests.factories import bulk_catalog

pytestmark = pytest.mark.django_db


def test_prune_deletes_only_rows_published_before_the_retention(category):
    bulk_catalog(category, products=30, media_per_product=0)
    with recorder.batch():
        Product.objects.all().delete()
    now = timezone.now()
    rows = list(OutboxEvent.objects.order_by("id"))
    old, recent, unpublished = rows[:10], rows[10:20], rows[20:]
    OutboxEvent.objects.filter(pk__in=[r.pk for r in old]).update(published_at=now - timedelta(days=8))
    OutboxEvent.objects.filter(pk__in=[r.pk for r in recent]).update(published_at=now - timedelta(days=1))

    assert prune_published(timedelta(days=7)) == 10
    left = set(OutboxEvent.objects.values_list("pk", flat=True))
    assert left == {r.pk for r in recent + unpublished}


def test_nested_batches_join_the_outer_one_and_flush_once_at_its_end(category):
    bulk_catalog(category, products=3, media_per_product=0)
    with recorder.batch():
        with recorder.batch():
            Product.objects.filter(sku="B-0").delete()
        assert OutboxEvent.objects.count() == 0  # still buffered in the outer batch
        Product.objects.filter(sku="B-1").delete()
    assert OutboxEvent.objects.count() == 2


def test_large_batches_flush_in_chunks_within_the_transaction(category, monkeypatch):
    monkeypatch.setattr(recorder, "FLUSH_EVERY", 10)
    bulk_catalog(category, products=25, media_per_product=0)
    with pytest.raises(RuntimeError), recorder.batch():
        Product.objects.all().delete()
        assert OutboxEvent.objects.count() == 20  # two chunks written, five still buffered
        raise RuntimeError("abort")
    assert OutboxEvent.objects.count() == 0
    assert Product.objects.count() == 25
