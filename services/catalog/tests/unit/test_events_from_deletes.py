"""Deletes write their events to the outbox in the delete's own transaction, all or nothing."""

import json

import jsonschema
import pytest
from django.db import transaction
from django.db.models.signals import post_delete

from catalog.models import Category, Product, ProductMedia
from ripple_runtime.outbox import recorder
from ripple_runtime.outbox.models import OutboxEvent
from shared_contracts import schemas
from shared_contracts.events import parse_event
from tests.factories import bulk_catalog

pytestmark = pytest.mark.django_db


def events_of(event_type: str) -> list[dict]:
    return [
        json.loads(b)
        for b in OutboxEvent.objects.filter(event_type=event_type).values_list("body", flat=True)
    ]


def assert_valid(body: dict) -> None:
    """The event and its data match their committed schemas, and it names its data's schema."""
    jsonschema.validate(body, schemas.load_committed(body["type"]))
    assert body["dataschema"] == f"urn:ripple:schema:{body['type']}:data"
    jsonschema.validate(body["data"], schemas.load_committed_data(body["type"]))
    assert body["data"]["deleted_by"]["username"] == "admin"


def test_api_delete_of_a_product_with_two_media_writes_one_valid_event_listing_them(api, product_with_media):
    keys = sorted(m.file.name for m in product_with_media.media.all())
    OutboxEvent.objects.all().delete()

    response = api.delete(f"/api/v1/products/{product_with_media.pk}/", HTTP_X_CORRELATION_ID="req-42")

    assert response.status_code == 204
    assert response["X-Correlation-ID"] == "req-42"
    products = events_of("catalog.product.deleted.v1")
    assert OutboxEvent.objects.count() == len(products) == 1  # its media go in its event, not in their own
    assert_valid(products[0])
    assert products[0]["correlationid"] == "req-42"
    product = products[0]["data"]
    assert product["sku"] == "MUG-1" and product["search_document_id"] == f"product:{product_with_media.pk}"
    assert product["version"] == product_with_media.version + 1
    assert products[0]["sequence"] == f"{product['version']:020d}"  # CloudEvents sequence: a string
    assert sorted(k for m in product["media"] for k in m["storage_keys"]) == keys
    row = OutboxEvent.objects.get(event_type="catalog.product.deleted.v1")
    assert row.routing_key == "catalog.product.deleted" and row.published_at is None
    assert str(row.event_id) == products[0]["id"]


def test_a_rolled_back_delete_writes_nothing(product_with_media):
    before, pk = OutboxEvent.objects.count(), product_with_media.pk
    with pytest.raises(RuntimeError), transaction.atomic():
        product_with_media.delete()
        assert OutboxEvent.objects.count() == before + 1  # written inside the transaction…
        raise RuntimeError("the caller changes its mind")
    assert OutboxEvent.objects.count() == before  # …and gone with it
    assert Product.objects.filter(pk=pk).exists()


def test_deleting_one_media_file_emits_only_media_deleted(api, product_with_media):
    media = product_with_media.media.first()
    OutboxEvent.objects.all().delete()
    assert api.delete(f"/api/v1/media/{media.pk}/").status_code == 204
    assert list(OutboxEvent.objects.values_list("event_type", flat=True)) == ["catalog.media.deleted.v1"]
    event = events_of("catalog.media.deleted.v1")[0]
    assert_valid(event)
    assert event["data"]["storage_keys"] == [media.file.name]
    # the product's later delete no longer lists the media that went before it
    OutboxEvent.objects.all().delete()
    product_with_media.delete()
    assert len(events_of("catalog.product.deleted.v1")[0]["data"]["media"]) == 1


def test_category_delete_cascading_to_1000_products_emits_one_event_per_product(api, category):
    bulk_catalog(category, products=1000, media_per_product=1)
    OutboxEvent.objects.all().delete()

    assert api.delete(f"/api/v1/categories/{category.pk}/").status_code == 204

    assert events_of("catalog.category.deleted.v1")[0]["data"]["category_id"] == category.pk
    assert len(events_of("catalog.category.deleted.v1")[0]["data"]["product_ids"]) == 1000
    assert OutboxEvent.objects.filter(event_type="catalog.product.deleted.v1").count() == 1000
    assert OutboxEvent.objects.count() == 1001
    assert len(set(OutboxEvent.objects.values_list("aggregate_id", "event_type"))) == 1001
    products = events_of("catalog.product.deleted.v1")
    assert all(len(p["data"]["media"]) == 1 for p in products)
    assert not Product.objects.exists() and not ProductMedia.objects.exists()


def test_a_cascade_that_fails_midway_leaves_no_rows_and_no_events(category):
    bulk_catalog(category, products=50, media_per_product=2)
    OutboxEvent.objects.all().delete()
    seen = []

    def fail_on_the_30th(sender, instance, **kwargs):
        seen.append(instance.pk)
        if len(seen) == 30:
            raise RuntimeError("storage of the product log is full")

    post_delete.connect(fail_on_the_30th, sender=Product, dispatch_uid="test-fail")
    try:
        with pytest.raises(RuntimeError), recorder.batch():
            category.delete()
    finally:
        post_delete.disconnect(sender=Product, dispatch_uid="test-fail")

    assert OutboxEvent.objects.count() == 0
    assert Product.objects.count() == 50 and ProductMedia.objects.count() == 100
    assert Category.objects.filter(pk=category.pk).exists()


def test_saving_a_product_emits_upserted_with_a_growing_version(api, category):
    response = api.post(
        "/api/v1/products/", {"category": category.pk, "sku": "S-1", "name": "Lamp"}, format="json"
    )
    assert response.status_code == 201 and response.json()["version"] == 1
    pk = response.json()["id"]
    response = api.patch(f"/api/v1/products/{pk}/", {"name": "Desk lamp"}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2
    upserts = [
        parse_event(b)
        for b in OutboxEvent.objects.filter(event_type="catalog.product.upserted.v1").values_list(
            "body", flat=True
        )
    ]
    assert [(e.data.version, e.data.created, e.data.name) for e in upserts] == [
        (1, True, "Lamp"),
        (2, False, "Desk lamp"),
    ]
    assert upserts[1].data.category_name == "Kitchen"
    api.delete(f"/api/v1/products/{pk}/")
    deleted = parse_event(OutboxEvent.objects.get(event_type="catalog.product.deleted.v1").body)
    assert deleted.data.version == 3 > upserts[-1].data.version


def test_a_delete_outside_any_request_has_no_actor(product_with_media):
    product_with_media.delete()
    body = events_of("catalog.product.deleted.v1")[0]
    assert "deleted_by" not in body["data"] and "correlationid" not in body
