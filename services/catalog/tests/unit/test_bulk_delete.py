"""POST /api/v1/products/bulk-delete/: by ids or by filter, capped, with a dry run, one event per product."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from catalog.models import Category, Product, ProductMedia
from ledger.models import Deletion
from ripple_runtime.outbox.models import OutboxEvent
from ripple_testing.django_fixtures import client_for
from tests.factories import bulk_catalog

pytestmark = pytest.mark.django_db

URL = "/api/v1/products/bulk-delete/"
PRODUCT_DELETED = "catalog.product.deleted.v1"
MEDIA_DELETED = "catalog.media.deleted.v1"


@pytest.fixture
def shelf(category):
    """Twelve products B-0…B-11 with two media rows each, prices 0…110, and an empty outbox."""
    rows = bulk_catalog(category, products=12, media_per_product=2)
    for i, product in enumerate(rows):
        Product.objects.filter(pk=product.pk).update(price=Decimal(10 * i))
    OutboxEvent.objects.all().delete()
    return rows


def deleted_ids(event_type: str) -> list[int]:
    """The aggregate ids of the outbox rows of one event type."""
    return sorted(
        int(i)
        for i in OutboxEvent.objects.filter(event_type=event_type).values_list("aggregate_id", flat=True)
    )


def listed_media() -> list[int]:
    """The media ids the product.deleted rows of the outbox list (media deleted with their product)."""
    bodies = OutboxEvent.objects.filter(event_type=PRODUCT_DELETED).values_list("body", flat=True)
    return sorted(ref["media_id"] for body in bodies for ref in json.loads(body)["data"]["media"])


def assert_nothing_deleted(products: int = 12) -> None:
    """Every product and media row is still there and no event was written."""
    assert Product.objects.count() == products
    assert ProductMedia.objects.count() == 2 * products
    assert OutboxEvent.objects.count() == 0


def assert_bad_request(response) -> dict:
    """A 400 with a JSON `detail`."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"]
    return body


def test_delete_by_ids_writes_one_event_per_product_listing_its_media(api, shelf):
    wanted = [shelf[0].pk, shelf[2].pk]
    media = sorted(ProductMedia.objects.filter(product_id__in=wanted).values_list("pk", flat=True))

    response = api.post(URL, {"ids": [*wanted, 99_999_999]}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    deletion = Deletion.objects.get()
    assert body == {
        "dry_run": False,
        "products": 2,
        "media": 4,
        "product_ids": wanted,
        "missing_ids": [99_999_999],
        "deletion_id": str(deletion.pk),
        "deletion_url": f"http://testserver/api/v1/deletions/{deletion.pk}/",
    }
    assert (deletion.kind, deletion.summary, deletion.events) == ("bulk", "bulk delete of 2 products", 2)
    assert {str(e) for e in deletion.event_rows.values_list("event_id", flat=True)} == {
        str(e) for e in OutboxEvent.objects.values_list("event_id", flat=True)
    }
    assert not Product.objects.filter(pk__in=wanted).exists()
    assert Product.objects.count() == 10 and ProductMedia.objects.count() == 20
    assert deleted_ids(PRODUCT_DELETED) == wanted
    assert listed_media() == media
    assert OutboxEvent.objects.count() == 2
    assert all('"username":"admin"' in body for body in OutboxEvent.objects.values_list("body", flat=True))


def test_dry_run_by_ids_reports_and_deletes_nothing(api, shelf):
    wanted = [shelf[5].pk, shelf[1].pk, 99_999_999]
    response = api.post(URL, {"ids": wanted, "dry_run": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "dry_run": True,
        "products": 2,
        "media": 4,
        "product_ids": sorted([shelf[1].pk, shelf[5].pk]),
        "missing_ids": [99_999_999],
        "deletion_id": None,
        "deletion_url": None,
    }
    assert_nothing_deleted()
    assert not Deletion.objects.exists()


def test_unknown_ids_are_reported_missing_and_nothing_happens(api, shelf):
    response = api.post(URL, {"ids": [99_999_998, 99_999_999, 99_999_998]}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["products"], body["media"], body["product_ids"]) == (0, 0, [])
    assert body["missing_ids"] == [99_999_998, 99_999_999]
    assert_nothing_deleted()


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ({"sku_prefix": "B-1"}, ["B-1", "B-10", "B-11"]),
        ({"sku": "B-7"}, ["B-7"]),
        ({"name": "product 4"}, ["B-4"]),
        ({"price_min": "95"}, ["B-10", "B-11"]),
        ({"price_max": "20"}, ["B-0", "B-1", "B-2"]),
        ({"price_min": "30", "price_max": "50", "sku_prefix": "B-"}, ["B-3", "B-4", "B-5"]),
        ({"category": "{other}"}, ["G-0", "G-1"]),
        ({"updated_before": "2001-01-01T00:00:00Z"}, ["B-8", "B-9"]),
        ({"updated_after": "2001-01-01T00:00:00Z", "sku_prefix": "G"}, ["G-0", "G-1"]),
        ({"sku_prefix": "Z"}, []),
    ],
)
def test_delete_by_filter_uses_the_list_filters(api, shelf, filter_, expected):
    other = Category.objects.create(name="Garden", slug="garden")
    bulk_catalog(other, products=2, media_per_product=1, prefix="G")
    Product.objects.filter(sku__in=["B-8", "B-9"]).update(updated_at=datetime(2000, 1, 1, tzinfo=UTC))
    OutboxEvent.objects.all().delete()
    chosen = {k: v.format(other=other.pk) for k, v in filter_.items()}
    ids = sorted(Product.objects.filter(sku__in=expected).values_list("pk", flat=True))
    media = ProductMedia.objects.filter(product_id__in=ids).count()

    preview = api.post(URL, {"filter": chosen, "dry_run": True}, format="json")
    assert preview.status_code == 200, preview.content
    assert preview.json() == {
        "dry_run": True,
        "products": len(ids),
        "media": media,
        "product_ids": ids,
        "deletion_id": None,
        "deletion_url": None,
    }
    assert OutboxEvent.objects.count() == 0 and Product.objects.count() == 14

    response = api.post(URL, {"filter": chosen}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["product_ids"] == ids and "missing_ids" not in response.json()
    assert not Product.objects.filter(pk__in=ids).exists()
    assert Product.objects.count() == 14 - len(ids)
    assert deleted_ids(PRODUCT_DELETED) == ids
    assert len(listed_media()) == media and not OutboxEvent.objects.filter(event_type=MEDIA_DELETED).exists()


@pytest.mark.parametrize("dry_run", [False, True])
def test_more_ids_than_the_cap_is_refused(api, shelf, settings, dry_run):
    settings.BULK_DELETE_MAX_PRODUCTS = 3
    body = {"ids": [p.pk for p in shelf[:4]], "dry_run": dry_run}
    assert "ids" in assert_bad_request(api.post(URL, body, format="json"))["errors"]
    assert_nothing_deleted()


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_filter_matching_more_than_the_cap_is_refused(api, shelf, settings, dry_run):
    settings.BULK_DELETE_MAX_PRODUCTS = 3
    body = {"filter": {"price_max": "30"}, "dry_run": dry_run}  # B-0 … B-3: one too many
    assert "filter" in assert_bad_request(api.post(URL, body, format="json"))["errors"]
    assert_nothing_deleted()


def test_exactly_the_cap_is_allowed(api, shelf, settings):
    settings.BULK_DELETE_MAX_PRODUCTS = 3
    by_filter = api.post(URL, {"filter": {"price_max": "20"}}, format="json")
    assert by_filter.status_code == 200 and by_filter.json()["products"] == 3
    by_ids = api.post(URL, {"ids": [p.pk for p in shelf[3:6]]}, format="json")
    assert by_ids.status_code == 200 and by_ids.json()["products"] == 3
    assert Product.objects.count() == 6
    assert OutboxEvent.objects.filter(event_type=PRODUCT_DELETED).count() == 6


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"dry_run": True},
        {"ids": [1], "filter": {"sku": "B-1"}},
        {"ids": [1], "filter": {"sku": "B-1"}, "dry_run": True},
    ],
)
def test_exactly_one_of_ids_and_filter(api, shelf, body):
    assert_bad_request(api.post(URL, body, format="json"))
    assert_nothing_deleted()


@pytest.mark.parametrize(
    "filter_",
    [
        {"colour": "red"},
        {"sku": "B-1", "page": "2"},
        {"search": "Product"},
        {"ordering": "-price"},
        {"price_from": "10"},
    ],
)
def test_unknown_filter_names_are_refused(api, shelf, filter_):
    assert "filter" in assert_bad_request(api.post(URL, {"filter": filter_}, format="json"))["errors"]
    assert_nothing_deleted()


@pytest.mark.parametrize("filter_", [{}, {"sku": ""}, {"sku": "   "}, {"sku_prefix": "", "name": " "}])
def test_a_filter_without_any_value_is_refused(api, shelf, filter_):
    assert "filter" in assert_bad_request(api.post(URL, {"filter": filter_}, format="json"))["errors"]
    assert_nothing_deleted()


@pytest.mark.parametrize(
    "filter_",
    [
        {"price_min": "cheap"},
        {"price_max": "-1e999999999"},
        {"category": "0"},
        {"category": "kitchen"},
        {"price_min": ""},
        {"updated_after": "yesterday"},
        {"updated_after": "0001-01-01T00:00:00+01:00"},
        {"sku": "B-1\u0000"},
        {"sku": ["B-1"]},
        {"sku": {"in": "B-1"}},
    ],
)
def test_bad_filter_values_are_refused(api, shelf, filter_):
    assert "filter" in assert_bad_request(api.post(URL, {"filter": filter_}, format="json"))["errors"]
    assert_nothing_deleted()


@pytest.mark.parametrize(
    "body",
    [
        {"ids": []},
        {"ids": "1,2"},
        {"ids": 1},
        {"ids": ["x"]},
        {"ids": [0]},
        {"ids": [-1]},
        {"ids": [2**63]},
        {"ids": [[1]]},
        {"ids": [1.5]},
        {"filter": "sku=B-1"},
        {"filter": ["sku", "B-1"]},
        {"ids": [1], "dry_run": "maybe"},
        {"ids": [1], "dry_run": 1},
        {"ids": [1], "dry_run": "true"},
        {"ids": [1], "force": True},
    ],
)
def test_malformed_requests_are_refused(api, shelf, body):
    assert_bad_request(api.post(URL, body, format="json"))
    assert_nothing_deleted()


@pytest.mark.parametrize(
    ("perms", "status"),
    [
        ((), 403),
        (("delete_product",), 403),
        (("delete_productmedia",), 403),
        (("delete_category", "add_product", "change_product", "view_product"), 403),
        (("delete_product", "delete_productmedia"), 200),
    ],
)
def test_bulk_delete_needs_delete_rights_on_products_and_media(user_with, shelf, perms, status):
    client = client_for(user_with(*perms))
    response = client.post(URL, {"ids": [shelf[0].pk]}, format="json")
    assert response.status_code == status, response.content
    if status == 403:
        assert response.json()["detail"]
        assert_nothing_deleted()
    else:
        assert response.json()["product_ids"] == [shelf[0].pk]
        assert deleted_ids(PRODUCT_DELETED) == [shelf[0].pk]


@pytest.mark.parametrize("authorization", [None, "Token " + "0" * 40])
def test_bulk_delete_without_valid_credentials_is_unauthorized(shelf, authorization):
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    response = client.post(URL, {"ids": [shelf[0].pk], "dry_run": True}, format="json")
    assert response.status_code == 401 and response.json()["detail"]
    assert_nothing_deleted()
