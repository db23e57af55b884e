"""The admin's deletes, single and bulk, go through the same events as the API's."""

import pytest

from catalog.models import Product
from ripple_runtime.outbox.models import OutboxEvent
from tests.factories import bulk_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_admin_delete_view_emits_one_product_event_listing_its_media(admin_client, product_with_media):
    OutboxEvent.objects.all().delete()
    response = admin_client.post(f"/admin/catalog/product/{product_with_media.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert list(OutboxEvent.objects.values_list("event_type", flat=True)) == ["catalog.product.deleted.v1"]
    body = OutboxEvent.objects.get().body
    assert '"username":"admin"' in body and body.count('"storage_keys"') == 2


def test_admin_bulk_action_emits_one_event_per_deleted_product(admin_client, category):
    rows = bulk_catalog(category, products=20, media_per_product=2)
    OutboxEvent.objects.all().delete()
    response = admin_client.post(
        "/admin/catalog/product/",
        {"action": "delete_selected", "_selected_action": [p.pk for p in rows[:10]], "post": "yes"},
    )
    assert response.status_code == 302
    assert Product.objects.count() == 10
    assert OutboxEvent.objects.filter(event_type="catalog.product.deleted.v1").count() == 10
    assert OutboxEvent.objects.filter(event_type="catalog.media.deleted.v1").count() == 0
    assert (
        sum(OutboxEvent.objects.get(aggregate_id=p.pk).body.count('"storage_keys"') for p in rows[:10]) == 20
    )
