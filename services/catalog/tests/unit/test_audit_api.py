"""The audit API: every live product and media key, keyset-paginated, token and permission required."""

import pytest
from rest_framework.test import APIClient

from catalog.models import Product, ProductMedia
from ripple_testing.django_fixtures import client_for
from tests.factories import bulk_catalog

pytestmark = pytest.mark.django_db


def every_page(client, resource: str, limit: int) -> tuple[list, int]:
    """Follow `next_after` to the end; all rows and the number of requests."""
    rows, after, requests = [], None, 0
    while True:
        query = {"limit": limit, **({"after": after} if after is not None else {})}
        response = client.get(f"/api/v1/audit/{resource}/", query)
        assert response.status_code == 200, response.content
        rows += response.json()["results"]
        after, requests = response.json()["next_after"], requests + 1
        if after is None:
            return rows, requests


def test_products_are_listed_as_id_and_version_pairs_by_id(api, category):
    products = bulk_catalog(category, 7, 0)
    bumped = products[3]
    bumped.name = "Renamed"
    bumped.save()
    rows, requests = every_page(api, "products", limit=3)
    assert rows == [[p.pk, 2 if p.pk == bumped.pk else 1] for p in products]
    assert requests == 3  # 3 + 3 + 1: the short page ends it
    assert every_page(api, "products", limit=7) == (rows, 2)  # a full last page: one empty page more


def test_media_keys_come_in_code_point_order_across_pages(api, category):
    product = Product.objects.create(category=category, sku="K-1", name="Keys")
    keys = [
        "products/1/a.jpg",
        "products/1-x/b.jpg",
        "products/10/c.jpg",
        "products/1/Z.jpg",
        "products/1/é.jpg",
    ]
    keys += ["products/1/e.jpg", "products/2/~.jpg", "products/2/_.jpg", "other/x.jpg"]
    ProductMedia.objects.bulk_create(
        ProductMedia(product=product, file=key, original_name="x") for key in keys
    )
    rows, _ = every_page(api, "media", limit=2)
    assert rows == sorted(keys)


def test_the_audit_api_needs_a_token_and_view_rights(user_with, category):
    bulk_catalog(category, 1, 1)
    assert APIClient().get("/api/v1/audit/products/").status_code == 401
    assert APIClient().get("/api/v1/audit/media/").status_code == 401
    nobody = client_for(user_with())
    assert nobody.get("/api/v1/audit/products/").status_code == 403
    products_only = client_for(user_with("view_product"))
    assert products_only.get("/api/v1/audit/products/").status_code == 200
    assert products_only.get("/api/v1/audit/media/").status_code == 403
    media_only = client_for(user_with("view_productmedia"))
    assert media_only.get("/api/v1/audit/media/").json()["results"] == [
        f"products/{Product.objects.get().pk}/0.jpg"
    ]


@pytest.mark.parametrize(
    ("resource", "query"),
    [
        ("products", {"limit": "0"}),
        ("products", {"limit": "10001"}),
        ("products", {"limit": "ten"}),
        ("products", {"limit": "1.0"}),
        ("products", {"after": "-1"}),
        ("products", {"after": "1.5"}),
        ("products", {"after": "9" * 30}),
        ("media", {"after": "x" * 256}),
        ("media", {"after": "products/\x00"}),
        ("media", {"limit": ""}),
    ],
)
def test_bad_input_is_a_json_400(api, resource, query):
    response = api.get(f"/api/v1/audit/{resource}/", query)
    assert response.status_code == 400, response.content
    assert response.json()["detail"] and list(response.json()["errors"]) == list(query)
