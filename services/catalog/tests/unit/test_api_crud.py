"""The catalog API's everyday use: CRUD, paging, filters, ordering, search, uploads and its docs."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Category, Product, ProductMedia
from tests.factories import bulk_catalog

pytestmark = pytest.mark.django_db


def skus(response) -> list[str]:
    """The SKUs of one page of the product list, in the order served."""
    assert response.status_code == 200, response.content
    return [row["sku"] for row in response.json()["results"]]


@pytest.fixture
def shelf(category):
    """Five products in two categories, created in this order (the list's default order is by id)."""
    garden = Category.objects.create(name="Garden", slug="garden")
    rows = [
        (category, "MUG-1", "Blue mug", "5.00", "ceramic"),
        (category, "MUG-2", "Red mug", "7.50", ""),
        (category, "PAN-1", "Frying pan", "30.00", "cast iron, heavy"),
        (garden, "HOSE-1", "Garden hose", "25.00", "green, 20 m"),
        (garden, "SPADE-1", "Spade", "12.00", "lifts a mugful of soil"),
    ]
    for cat, sku, name, price, description in rows:
        Product.objects.create(
            category=cat, sku=sku, name=name, price=Decimal(price), description=description
        )
    return {"kitchen": category, "garden": garden}


def test_category_crud(api):
    response = api.post(
        "/api/v1/categories/",
        {"name": "Garden", "slug": "garden", "description": "Outdoor things"},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["slug"] == "garden"
    assert Category.objects.get(pk=pk).description == "Outdoor things"

    Product.objects.create(category_id=pk, sku="HOSE-1", name="Hose")
    detail = api.get(f"/api/v1/categories/{pk}/").json()
    assert detail["name"] == "Garden" and detail["product_count"] == 1
    assert [c["id"] for c in api.get("/api/v1/categories/").json()["results"]] == [pk]

    response = api.put(
        f"/api/v1/categories/{pk}/", {"name": "Yard", "slug": "yard", "description": ""}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Category.objects.get(pk=pk).slug == "yard"

    response = api.patch(f"/api/v1/categories/{pk}/", {"description": "Lawn"}, format="json")
    assert response.status_code == 200
    assert response.json()["description"] == "Lawn" and response.json()["name"] == "Yard"

    assert api.delete(f"/api/v1/categories/{pk}/").status_code == 204
    assert api.get(f"/api/v1/categories/{pk}/").status_code == 404
    assert not Category.objects.filter(pk=pk).exists()
    assert not Product.objects.filter(sku="HOSE-1").exists()


def test_category_list_filters_searches_and_orders(api, shelf):
    assert [c["slug"] for c in api.get("/api/v1/categories/").json()["results"]] == ["garden", "kitchen"]
    response = api.get("/api/v1/categories/", {"slug": "kitchen"})
    assert [(c["slug"], c["product_count"]) for c in response.json()["results"]] == [("kitchen", 3)]
    assert [c["slug"] for c in api.get("/api/v1/categories/", {"search": "gard"}).json()["results"]] == [
        "garden"
    ]
    ordered = api.get("/api/v1/categories/", {"ordering": "-name"}).json()["results"]
    assert [c["slug"] for c in ordered] == ["kitchen", "garden"]


def test_product_crud(api, category):
    response = api.post(
        "/api/v1/products/",
        {"category": category.pk, "sku": "LAMP-1", "name": "Lamp", "price": "19.90"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    pk = body["id"]
    assert (body["sku"], body["price"], body["version"], body["media"]) == ("LAMP-1", "19.90", 1, [])
    assert body["category"] == category.pk

    detail = api.get(f"/api/v1/products/{pk}/").json()
    assert detail["name"] == "Lamp" and detail["description"] == ""

    response = api.put(
        f"/api/v1/products/{pk}/",
        {"category": category.pk, "sku": "LAMP-1", "name": "Desk lamp", "description": "LED", "price": "25"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["price"] == "25.00"
    product = Product.objects.get(pk=pk)
    assert (product.name, product.description, product.price) == ("Desk lamp", "LED", Decimal("25.00"))

    response = api.patch(f"/api/v1/products/{pk}/", {"price": None}, format="json")
    assert response.status_code == 200 and response.json()["price"] is None

    assert api.delete(f"/api/v1/products/{pk}/").status_code == 204
    assert api.get(f"/api/v1/products/{pk}/").status_code == 404
    assert not Product.objects.filter(pk=pk).exists()


def test_product_version_grows_with_each_update(api, category):
    pk = api.post(
        "/api/v1/products/", {"category": category.pk, "sku": "V-1", "name": "v"}, format="json"
    ).json()["id"]
    seen = []
    for n in range(4):
        response = api.patch(f"/api/v1/products/{pk}/", {"name": f"v{n}"}, format="json")
        assert response.status_code == 200
        seen.append(response.json()["version"])
    response = api.put(
        f"/api/v1/products/{pk}/", {"category": category.pk, "sku": "V-1", "name": "final"}, format="json"
    )
    seen.append(response.json()["version"])
    assert seen == [2, 3, 4, 5, 6]
    assert Product.objects.get(pk=pk).version == 6
    assert api.get(f"/api/v1/products/{pk}/").json()["version"] == 6


def test_pages_split_the_list_and_cover_it_exactly_once(api, category):
    rows = bulk_catalog(category, products=5, media_per_product=0)
    first = api.get("/api/v1/products/", {"page_size": 2}).json()
    assert first["count"] == 5 and len(first["results"]) == 2
    assert first["previous"] is None and "page=2" in first["next"] and "page_size=2" in first["next"]
    seen = []
    for page in (1, 2, 3):
        body = api.get("/api/v1/products/", {"page": page, "page_size": 2}).json()
        seen += [row["id"] for row in body["results"]]
    assert seen == [p.pk for p in rows]
    last = api.get("/api/v1/products/", {"page": 3, "page_size": 2}).json()
    assert len(last["results"]) == 1 and last["next"] is None and last["previous"] is not None
    assert api.get("/api/v1/products/", {"page": "last", "page_size": 2}).json() == last


def test_default_page_size_is_fifty(api, category):
    bulk_catalog(category, products=51, media_per_product=0)
    body = api.get("/api/v1/products/").json()
    assert body["count"] == 51 and len(body["results"]) == 50 and body["next"] is not None
    assert len(api.get("/api/v1/products/", {"page_size": 500}).json()["results"]) == 51


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sku": "MUG-2"}, ["MUG-2"]),
        ({"sku": "MUG"}, []),
        ({"sku_prefix": "MUG"}, ["MUG-1", "MUG-2"]),
        ({"name": "MUG"}, ["MUG-1", "MUG-2"]),
        ({"name": "an"}, ["PAN-1"]),
        ({"price_min": "12"}, ["PAN-1", "HOSE-1", "SPADE-1"]),
        ({"price_max": "7.5"}, ["MUG-1", "MUG-2"]),
        ({"price_min": "6", "price_max": "25"}, ["MUG-2", "HOSE-1", "SPADE-1"]),
        ({"category": "{garden}"}, ["HOSE-1", "SPADE-1"]),
        ({"category": "{kitchen}", "price_min": "7"}, ["MUG-2", "PAN-1"]),
        ({"category": "{garden}", "sku_prefix": "MUG"}, []),
    ],
)
def test_product_list_filters(api, shelf, params, expected):
    ids = {name: cat.pk for name, cat in shelf.items()}
    query = {key: value.format(**ids) for key, value in params.items()}
    assert skus(api.get("/api/v1/products/", query)) == expected


def test_product_list_filters_by_last_change(api, shelf):
    Product.objects.filter(sku__startswith="MUG").update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    after = api.get("/api/v1/products/", {"updated_after": "2021-01-01T00:00:00Z"})
    assert skus(after) == ["PAN-1", "HOSE-1", "SPADE-1"]
    before = api.get("/api/v1/products/", {"updated_before": "2021-01-01T00:00:00+02:00"})
    assert skus(before) == ["MUG-1", "MUG-2"]
    assert skus(api.get("/api/v1/products/", {"updated_after": "2020-01-01T00:00:00Z"})) == [
        "MUG-1",
        "MUG-2",
        "PAN-1",
        "HOSE-1",
        "SPADE-1",
    ]
    assert skus(api.get("/api/v1/products/", {"updated_after": "2020-01-01T00:00:01Z"})) == [
        "PAN-1",
        "HOSE-1",
        "SPADE-1",
    ]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-price", ["PAN-1", "HOSE-1", "SPADE-1", "MUG-2", "MUG-1"]),
        ("price", ["MUG-1", "MUG-2", "SPADE-1", "HOSE-1", "PAN-1"]),
        ("name", ["MUG-1", "PAN-1", "HOSE-1", "MUG-2", "SPADE-1"]),
        ("-sku", ["SPADE-1", "PAN-1", "MUG-2", "MUG-1", "HOSE-1"]),
        ("-id", ["SPADE-1", "HOSE-1", "PAN-1", "MUG-2", "MUG-1"]),
        ("description,-price", ["PAN-1", "HOSE-1", "SPADE-1", "MUG-2", "MUG-1"]),  # unknown term dropped
    ],
)
def test_product_list_ordering(api, shelf, ordering, expected):
    assert skus(api.get("/api/v1/products/", {"ordering": ordering})) == expected


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("mug", ["MUG-1", "MUG-2", "SPADE-1"]),  # sku, name and description all count
        ("PAN-1", ["PAN-1"]),
        ("cast iron", ["PAN-1"]),  # every word has to match
        ("cast mug", []),
        ("nothing-like-this", []),
    ],
)
def test_product_search(api, shelf, search, expected):
    assert skus(api.get("/api/v1/products/", {"search": search})) == expected


def test_media_upload_stores_the_file_under_its_product(api, category, media_root):
    product = Product.objects.create(category=category, sku="CAM-1", name="Camera")
    content = b"\x89PNG\r\n\x1a\n fake png bytes"
    response = api.post(
        "/api/v1/media/",
        {"product": product.pk, "file": SimpleUploadedFile("front view.png", content, "image/png")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["product"], body["original_name"], body["content_type"], body["size"]) == (
        product.pk,
        "front view.png",
        "image/png",
        len(content),
    )
    assert "file" not in body and f"/media/products/{product.pk}/" in body["url"]

    media = ProductMedia.objects.get(pk=body["id"])
    assert media.file.name.startswith(f"products/{product.pk}/")
    assert media.file.name.endswith("front_view.png")
    stored = Path(media_root) / media.file.name
    assert stored.read_bytes() == content
    assert [p for p in Path(media_root).rglob("*") if p.is_file()] == [stored]
    assert (media.original_name, media.content_type, media.size) == (
        "front view.png",
        "image/png",
        len(content),
    )

    listed = api.get(f"/api/v1/products/{product.pk}/").json()["media"]
    assert [(m["id"], m["url"]) for m in listed] == [(media.pk, body["url"])]
    assert api.get(f"/api/v1/media/{media.pk}/").json()["original_name"] == "front view.png"


def test_media_list_is_filtered_by_product(api, product_with_media):
    other = Product.objects.create(category=product_with_media.category, sku="CUP-1", name="Cup")
    response = api.post(
        "/api/v1/media/",
        {"product": other.pk, "file": SimpleUploadedFile("cup.jpg", b"jpeg", "image/jpeg")},
        format="multipart",
    )
    assert response.status_code == 201
    everything = api.get("/api/v1/media/").json()
    assert everything["count"] == 3
    mine = api.get("/api/v1/media/", {"product": product_with_media.pk}).json()["results"]
    assert sorted(m["id"] for m in mine) == sorted(product_with_media.media.values_list("pk", flat=True))
    assert {m["product"] for m in mine} == {product_with_media.pk}
    theirs = api.get("/api/v1/media/", {"product": other.pk}).json()["results"]
    assert [m["id"] for m in theirs] == [response.json()["id"]]


def test_media_delete_removes_the_row(api, product_with_media):
    media = product_with_media.media.first()
    assert api.delete(f"/api/v1/media/{media.pk}/").status_code == 204
    assert api.get(f"/api/v1/media/{media.pk}/").status_code == 404
    assert product_with_media.media.count() == 1


def test_openapi_schema_is_served_and_lists_bulk_delete(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert "openapi" in response["Content-Type"]
    assert b"/api/v1/products/bulk-delete/" in response.content

    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    assert schema["info"]["title"] == "Ripple catalog API"
    assert "post" in schema["paths"]["/api/v1/products/bulk-delete/"]
    assert {"/api/v1/products/", "/api/v1/categories/", "/api/v1/media/"} <= set(schema["paths"])


def test_swagger_ui_answers(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page and "/api/schema/" in page
