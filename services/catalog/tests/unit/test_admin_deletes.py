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


def test_admin_delete_view_emits_product_and_media_events(admin_client, product_with_media):
    OutboxEvent.objects.all().delete()
    response = admin_client.post(f"/admin/catalog/product/{product_with_media.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    types = sorted(OutboxEvent.objects.values_list("event_type", flat=True))
    assert types == ["catalog.media.deleted.v1"] * 2 + ["catalog.product.deleted.v1"]
    assert '"username":"admin"' in OutboxEvent.objects.get(event_type="catalog.product.deleted.v1").body


def test_admin_bulk_action_emits_one_event_per_deleted_row(admin_client, category):
    rows = bulk_catalog(category, products=20, media_per_product=2)
    OutboxEvent.objects.all().delete()
    response = admin_client.post(
        "/admin/catalog/product/",
        {"action": "delete_selected", "_selected_action": [p.pk for p in rows[:10]], "post": "yes"},
    )
    assert response.status_code == 302
    assert Product.objects.count() == 10
    assert OutboxEvent.objects.filter(event_type="catalog.product.deleted.v1").count() == 10
    assert OutboxEvent.objects.filter(event_type="catalog.media.deleted.v1").count() == 20
