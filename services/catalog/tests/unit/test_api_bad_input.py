"""Bad input never crashes the API: every refusal is a 4xx whose JSON body has a `detail`."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from catalog.models import Category, Product, ProductMedia
from ripple_runtime.outbox.models import OutboxEvent
from ripple_testing.django_fixtures import client_for

pytestmark = pytest.mark.django_db

BIG = "99999999999999999999999"
ID_TOO_LONG_FOR_INT = "9" * 5000  # more digits than Python converts to int by default
SUPERSCRIPT_TWO = "\u00b2"  # str.isdigit() says yes, int() says no


def assert_client_error(response, status: int | None = None) -> dict:
    """A 4xx (exactly `status`, if given) whose body is a JSON object with a non-empty `detail`."""
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    if status is not None:
        assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert isinstance(body, dict) and body.get("detail"), body
    return body


def quiet(client: APIClient) -> APIClient:
    """Let a 500 come back as a response (and fail the test's status check) instead of raising."""
    client.raise_request_exception = False
    return client


@pytest.fixture
def admin(api):
    """The superuser's client, answering 500s instead of raising them."""
    return quiet(api)


@pytest.fixture
def anon(db):
    """A client without credentials."""
    return quiet(APIClient())


@pytest.fixture
def product(category):
    """One product without media."""
    return Product.objects.create(category=category, sku="LAMP-1", name="Lamp", price=Decimal("10.00"))


def upload(client, product_id, name="photo.jpg", content=b"jpeg bytes", content_type="image/jpeg"):
    """POST one file to the media endpoint the way a browser form does."""
    return client.post(
        "/api/v1/media/",
        {"product": product_id, "file": SimpleUploadedFile(name, content, content_type)},
        format="multipart",
    )


def raw_upload(client, product_id, filename_param: str, content=b"payload"):
    """POST a hand-built multipart body, so the file name arrives exactly as an attacker wrote it."""
    boundary = "ripple-test-boundary"
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="product"\r\n\r\n'
        f"{product_id}\r\n"
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; {filename_param}\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    body = head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return client.post("/api/v1/media/", body, content_type=f"multipart/form-data; boundary={boundary}")


def ids_of(product: Product) -> dict[str, int]:
    """The ids of a product, its category and its first media file, for filling in URLs and bodies."""
    return {"category": product.category_id, "product": product.pk, "media": product.media.first().pk}


def fill(value, ids: dict[str, int]):
    """Replace "{name}" placeholders (anywhere in a body) with the id they name."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    return value


def files_under(root: Path) -> list[Path]:
    """Every regular file below root."""
    return sorted(p for p in Path(root).rglob("*") if p.is_file())


# --- JSON bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [{"colour": "red"}, {"version": 7}, {"Name": "x"}, {"media": []}])
def test_unknown_fields_in_a_new_product_are_refused(admin, category, extra):
    body = {"category": category.pk, "sku": "NEW-1", "name": "New", **extra}
    errors = assert_client_error(admin.post("/api/v1/products/", body, format="json"), 400)["errors"]
    assert set(extra) <= set(errors)
    assert not Product.objects.filter(sku="NEW-1").exists()


def test_unknown_fields_in_a_patch_change_nothing(admin, product):
    response = admin.patch(f"/api/v1/products/{product.pk}/", {"name": "x", "colour": "red"}, format="json")
    assert "colour" in assert_client_error(response, 400)["errors"]
    product.refresh_from_db()
    assert (product.name, product.version) == ("Lamp", 1)


def test_unknown_fields_in_a_category_are_refused(admin):
    body = {"name": "Garden", "slug": "garden", "product_count": 5}
    assert (
        "product_count"
        in assert_client_error(admin.post("/api/v1/categories/", body, format="json"))["errors"]
    )
    assert not Category.objects.filter(slug="garden").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", "abc"),
        ("price", -1),
        ("price", "NaN"),
        ("price", "Infinity"),
        ("price", "1e999999999"),
        ("price", "0.001"),
        ("price", [1]),
        ("price", {"amount": 1}),
        ("category", "abc"),
        ("category", 999999),
        ("category", BIG),
        ("category", int(BIG)),
        ("category", [1]),
        ("category", None),
        ("sku", "x" * 65),
        ("sku", ""),
        ("sku", None),
        ("sku", "a\u0000b"),
        ("name", {"en": "Lamp"}),
        ("name", ["Lamp"]),
        ("name", "x" * 201),
    ],
)
def test_wrong_types_in_a_product_are_refused(admin, category, field, value):
    body = {"category": category.pk, "sku": "NEW-1", "name": "New", "price": "1.00", field: value}
    errors = assert_client_error(admin.post("/api/v1/products/", body, format="json"), 400)["errors"]
    assert field in errors
    assert Product.objects.count() == 0


def test_a_duplicate_sku_is_refused(admin, product):
    body = {"category": product.category_id, "sku": product.sku, "name": "Another lamp"}
    assert "sku" in assert_client_error(admin.post("/api/v1/products/", body, format="json"), 400)["errors"]
    assert Product.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"), [("slug", "not a slug!"), ("slug", ["a"]), ("name", "x" * 101), ("name", None)]
)
def test_wrong_types_in_a_category_are_refused(admin, field, value):
    body = {"name": "Garden", "slug": "garden", field: value}
    assert field in assert_client_error(admin.post("/api/v1/categories/", body, format="json"), 400)["errors"]
    assert not Category.objects.exists()


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        ('{"name": ', "application/json", 400),
        ("{name: 1}", "application/json", 400),
        ("{'name': 'x'}", "application/json", 400),
        (b"\xff\xfe\x00", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ('"text"', "application/json", 400),
        ("42", "application/json", 400),
        ("null", "application/json", 400),
        ("", "application/json", 400),
        ("name=x", "text/plain", 415),
        ("x", "multipart/form-data", 400),  # no boundary (media); JSON only elsewhere (415)
    ],
)
@pytest.mark.parametrize("url", ["/api/v1/categories/", "/api/v1/products/", "/api/v1/media/"])
def test_malformed_bodies_are_refused(admin, url, raw, content_type, status):
    if url == "/api/v1/media/" and content_type == "application/json" and raw:
        status = 415  # uploads are multipart only
    if url != "/api/v1/media/" and content_type == "multipart/form-data":
        status = 415  # categories and products read JSON only
    assert_client_error(admin.post(url, raw, content_type=content_type), status)
    assert not Category.objects.exists() and not ProductMedia.objects.exists()


def test_a_body_above_the_request_size_limit_is_refused(admin, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"name": "Garden", "slug": "garden", "description": "x" * 2000}
    assert_client_error(admin.post("/api/v1/categories/", body, format="json"), 400)
    assert not Category.objects.exists()


# --- query strings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page_size",
    ["0", "-1", "abc", "1.5", "", " 5", "501", BIG, ID_TOO_LONG_FOR_INT, SUPERSCRIPT_TWO],
)
@pytest.mark.parametrize("url", ["/api/v1/products/", "/api/v1/categories/", "/api/v1/media/"])
def test_bad_page_sizes_are_refused(admin, product, url, page_size):
    body = assert_client_error(admin.get(url, {"page_size": page_size}), 400)
    assert "page_size" in body["errors"]


def test_the_largest_page_size_is_accepted(admin, product, settings):
    assert admin.get("/api/v1/products/", {"page_size": settings.API_MAX_PAGE_SIZE}).status_code == 200
    assert_client_error(admin.get("/api/v1/products/", {"page_size": settings.API_MAX_PAGE_SIZE + 1}), 400)


@pytest.mark.parametrize("page", ["2", "0", "-1", "abc", "1.5", BIG, ID_TOO_LONG_FOR_INT, SUPERSCRIPT_TWO])
def test_pages_beyond_the_end_or_not_numbers_are_not_found(admin, product, page):
    assert_client_error(admin.get("/api/v1/products/", {"page": page}), 404)


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/products/", {"category": "abc"}, "category"),
        ("/api/v1/products/", {"category": BIG}, "category"),
        ("/api/v1/products/", {"category": "0"}, "category"),
        ("/api/v1/products/", {"price_min": "cheap"}, "price_min"),
        ("/api/v1/products/", {"price_max": "NaN"}, "price_max"),
        ("/api/v1/products/", {"price_min": "1e999999999"}, "price_min"),
        ("/api/v1/products/", {"price_min": "-1e999999999"}, "price_min"),
        ("/api/v1/products/", {"price_max": "1.1e20"}, "price_max"),
        ("/api/v1/products/", {"updated_after": ""}, "updated_after"),
        ("/api/v1/products/", {"category": ""}, "category"),
        ("/api/v1/products/", {"category": "1.5"}, "category"),
        ("/api/v1/products/", {"updated_after": "yesterday"}, "updated_after"),
        ("/api/v1/products/", {"updated_after": "2024-13-45T00:00:00Z"}, "updated_after"),
        ("/api/v1/products/", {"updated_after": "0001-01-01T00:00:00+01:00"}, "updated_after"),
        ("/api/v1/products/", {"updated_before": "9999-12-31T23:59:59-01:00"}, "updated_before"),
        ("/api/v1/products/", {"sku": "a\u0000b"}, "sku"),
        ("/api/v1/media/", {"product": "abc"}, "product"),
        ("/api/v1/media/", {"product": BIG}, "product"),
    ],
)
def test_bad_filter_values_are_refused(admin, product, url, params, field):
    assert field in assert_client_error(admin.get(url, params), 400)["errors"]


@pytest.mark.parametrize(
    ("params", "status"), [({"format": "xml"}, 404), ({"format": "json"}, 200), ({"search": "\u0000"}, 400)]
)
def test_odd_query_parameters_answer_cleanly(admin, product, params, status):
    response = admin.get("/api/v1/products/", params)
    assert response.status_code == status
    assert "detail" in response.json() if status >= 400 else response.json()["count"] == 1


def test_an_unacceptable_accept_header_is_refused(admin):
    assert_client_error(admin.get("/api/v1/products/", HTTP_ACCEPT="application/xml"), 406)


# --- ids and URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/products/abc/",
        "/api/v1/products/abc",
        "/api/v1/products/1.5/",
        "/api/v1/products/1e3/",
        "/api/v1/products/-1/",
        "/api/v1/products/%20/",
        "/api/v1/categories/abc/",
        "/api/v1/media/abc/",
    ],
)
def test_non_numeric_ids_are_not_found(admin, product, method, path):
    assert_client_error(getattr(admin, method)(path, {"name": "x"}, format="json"), 404)
    assert Product.objects.get(pk=product.pk).name == "Lamp"


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
@pytest.mark.parametrize("resource", ["products", "categories", "media"])
@pytest.mark.parametrize("pk", [BIG, str(2**63), str(2**63 - 1), ID_TOO_LONG_FOR_INT])
def test_huge_ids_are_not_found(admin, product, method, resource, pk):
    response = getattr(admin, method)(f"/api/v1/{resource}/{pk}/", {"name": "x"}, format="json")
    media_update = resource == "media" and method in {"put", "patch"}  # media cannot be edited at all
    assert_client_error(response, 405 if media_update else 404)


@pytest.mark.parametrize("method", ["get", "post", "delete"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/",
        "/api/v2/products/",
        "/api/v1/nope/",
        "/api/v1/nope",
        "/api/v1/products/1/media/",
        "/api/v1/products/1/bulk-delete/",
        "/api/v1/products/bulk-delete/extra/",
        "/api/v1/products.json",
    ],
)
def test_unknown_urls_under_api_are_json_404s(admin, method, path):
    assert_client_error(getattr(admin, method)(path), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/api/v1/media/{media}/"),
        ("patch", "/api/v1/media/{media}/"),
        ("delete", "/api/v1/products/"),
        ("get", "/api/v1/products/bulk-delete/"),
        ("put", "/api/v1/products/bulk-delete/"),
    ],
)
def test_methods_a_route_does_not_offer_are_refused(admin, product_with_media, method, path):
    media = product_with_media.media.first()
    response = getattr(admin, method)(path.format(media=media.pk), {}, format="json")
    assert_client_error(response, 405)
    assert Product.objects.count() == 1 and ProductMedia.objects.count() == 2


# --- uploads -----------------------------------------------------------------------------------


def test_an_oversize_upload_is_refused_and_nothing_is_stored(admin, product, settings, media_root):
    settings.MEDIA_MAX_UPLOAD_BYTES = 16
    assert "file" in assert_client_error(upload(admin, product.pk, content=b"x" * 17), 400)["errors"]
    assert not ProductMedia.objects.exists() and files_under(media_root) == []
    assert upload(admin, product.pk, content=b"x" * 16).status_code == 201


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("a" * 146 + ".jpg", 201),  # 150 characters: the longest allowed
        ("a" * 147 + ".jpg", 400),
        ("a" * 300 + ".jpg", 400),
        ("\u00e9" * 100 + ".jpg", 201),  # 104 characters, 204 bytes
        ("\u00e9" * 118 + ".jpg", 201),  # 240 bytes: the most a stored name has room for
        ("\u00e9" * 119 + ".jpg", 400),  # 242 bytes
        ("\u00e9" * 140 + ".jpg", 400),  # 144 characters, but too many bytes for a file system
        ("\u65e5" * 140 + ".jpg", 400),
    ],
)
def test_file_name_length_is_bounded(admin, product, media_root, name, status):
    response = upload(admin, product.pk, name=name)
    if status == 400:
        assert "file" in assert_client_error(response, 400)["errors"]
        assert not ProductMedia.objects.exists() and files_under(media_root) == []
    else:
        assert response.status_code == 201, response.content
        media = ProductMedia.objects.get()
        assert media.original_name == name
        assert files_under(media_root) == [Path(media_root) / media.file.name]


@pytest.mark.parametrize(
    "filename_param",
    [
        'filename="../../etc/passwd"',
        'filename="../../../../../../x"',
        'filename="..\\..\\x"',
        'filename=".."',
        'filename="../"',
        'filename="."',
        'filename="/etc/passwd"',
        'filename="....//....//x"',
        'filename="&#46;&#46;&#47;&#46;&#46;&#47;x"',
        "filename*=UTF-8''..%2F..%2Fetc%2Fpasswd",
        'filename=".htaccess"',
        'filename="!!!"',
        'filename="a\x01b"',
        "filename*=UTF-8''%ED%A0%80.jpg",  # a lone surrogate, not valid UTF-8
        "filename*=UTF-8''%2E%2E",
    ],
)
def test_path_traversal_names_never_leave_the_products_folder(
    admin, product, settings, tmp_path, filename_param
):
    settings.MEDIA_ROOT = tmp_path / "outer" / "inner" / "media"
    folder = Path(settings.MEDIA_ROOT) / "products" / str(product.pk)

    response = raw_upload(admin, product.pk, filename_param)

    if response.status_code == 201:
        key = ProductMedia.objects.get().file.name
        assert key.startswith(f"products/{product.pk}/")
        assert "\\" not in key and ".." not in key.split("/") and len(key.split("/")) == 3
        assert (Path(settings.MEDIA_ROOT) / key).resolve().parent == folder.resolve()
    else:
        assert_client_error(response, 400)
        assert not ProductMedia.objects.exists()
    assert all(path.parent == folder for path in files_under(tmp_path)), files_under(tmp_path)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"file": "not a file"}, "file"),
        ({}, "file"),
        ({"product": "{product}"}, "file"),
        ({"product": "abc", "file": "<file>"}, "product"),
        ({"product": "999999", "file": "<file>"}, "product"),
        ({"product": BIG, "file": "<file>"}, "product"),
        ({"file": "<file>"}, "product"),
        ({"product": "{product}", "file": "<empty>"}, "file"),
        ({"product": "{product}", "file": "<file>", "size": "1"}, "size"),
        ({"product": "{product}", "file": "<file>", "caption": "hi"}, "caption"),
    ],
)
def test_bad_upload_forms_are_refused(admin, product, media_root, data, field):
    form = {}
    for key, value in data.items():
        if value == "<file>":
            value = SimpleUploadedFile("a.jpg", b"jpeg", "image/jpeg")
        elif value == "<empty>":
            value = SimpleUploadedFile("a.jpg", b"", "image/jpeg")
        else:
            value = value.format(product=product.pk)
        form[key] = value
    response = admin.post("/api/v1/media/", form, format="multipart")
    assert field in assert_client_error(response, 400)["errors"]
    assert not ProductMedia.objects.exists() and files_under(media_root) == []


# --- who may do what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/categories/",
        "/api/v1/categories/{category}/",
        "/api/v1/products/",
        "/api/v1/products/{product}/",
        "/api/v1/media/",
        "/api/v1/media/{media}/",
    ],
)
def test_anonymous_reads_are_allowed(anon, product_with_media, path):
    ids = ids_of(product_with_media)
    body = anon.get(path.format(**ids)).json()
    assert body["count"] >= 1 if "results" in body else body["id"] in ids.values()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/categories/", {"name": "Garden", "slug": "garden"}),
        ("post", "/api/v1/products/", {"category": "{category}", "sku": "NEW-1", "name": "New"}),
        ("post", "/api/v1/products/bulk-delete/", {"ids": ["{product}"]}),
        ("put", "/api/v1/categories/{category}/", {"name": "Yard", "slug": "yard"}),
        ("patch", "/api/v1/products/{product}/", {"name": "Changed"}),
        ("delete", "/api/v1/categories/{category}/", {}),
        ("delete", "/api/v1/products/{product}/", {}),
        ("delete", "/api/v1/media/{media}/", {}),
    ],
)
@pytest.mark.parametrize(
    "authorization", [None, "Token " + "0" * 40, "Token ", "Token two words", "Token caf\u00e9"]
)
def test_writes_without_valid_credentials_are_unauthorized(
    anon, product_with_media, method, path, body, authorization
):
    ids = ids_of(product_with_media)
    if authorization:
        anon.credentials(HTTP_AUTHORIZATION=authorization)
    before = OutboxEvent.objects.count()
    response = getattr(anon, method)(path.format(**ids), fill(body, ids), format="json")
    assert_client_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Token")
    assert Category.objects.filter(slug="kitchen").exists() and not Category.objects.filter(slug="garden")
    assert Product.objects.get(pk=product_with_media.pk).name == "Blue mug"
    assert ProductMedia.objects.count() == 2 and OutboxEvent.objects.count() == before


def test_a_wrong_token_is_refused_even_for_reads(anon, product):
    anon.credentials(HTTP_AUTHORIZATION="Token " + "f" * 40)
    assert assert_client_error(anon.get("/api/v1/products/"), 401)["detail"] == "Invalid token."


def test_an_inactive_users_token_is_refused(user_with, product):
    user = user_with("change_product")
    client = quiet(client_for(user))
    user.is_active = False
    user.save()
    assert_client_error(client.patch(f"/api/v1/products/{product.pk}/", {"name": "x"}, format="json"), 401)
    assert Product.objects.get(pk=product.pk).name == "Lamp"


@pytest.mark.parametrize(
    ("target", "perms", "status"),
    [
        ("category", ["delete_category"], 403),
        ("category", ["delete_category", "delete_product"], 403),
        ("category", ["delete_category", "delete_productmedia"], 403),
        ("category", ["delete_product", "delete_productmedia"], 403),
        ("category", ["delete_category", "delete_product", "delete_productmedia"], 204),
        ("product", ["delete_product"], 403),
        ("product", ["delete_productmedia"], 403),
        ("product", ["delete_category", "change_product", "add_product"], 403),
        ("product", ["delete_product", "delete_productmedia"], 204),
        ("media", ["delete_product"], 403),
        ("media", ["add_productmedia", "change_productmedia"], 403),
        ("media", ["delete_productmedia"], 204),
    ],
)
def test_delete_needs_the_delete_permission_of_everything_it_takes_along(
    user_with, product_with_media, target, perms, status
):
    media = product_with_media.media.first()
    rows = {"category": product_with_media.category, "product": product_with_media, "media": media}
    path = {"category": "categories", "product": "products", "media": "media"}[target]
    client = quiet(client_for(user_with(*perms)))
    OutboxEvent.objects.all().delete()

    response = client.delete(f"/api/v1/{path}/{rows[target].pk}/")

    row = rows[target]
    if status == 403:
        assert_client_error(response, 403)
        assert type(row).objects.filter(pk=row.pk).exists()
        assert ProductMedia.objects.count() == 2 and OutboxEvent.objects.count() == 0
    else:
        assert response.status_code == 204
        assert not type(row).objects.filter(pk=row.pk).exists()
        assert OutboxEvent.objects.count() > 0


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/categories/", {"name": "Garden", "slug": "garden"}),
        ("put", "/api/v1/categories/{category}/", {"name": "Yard", "slug": "yard"}),
        ("patch", "/api/v1/products/{product}/", {"name": "Changed"}),
        ("post", "/api/v1/products/bulk-delete/", {"filter": {"sku": "LAMP-1"}}),
    ],
)
def test_writes_without_the_model_permission_are_forbidden(user_with, product, method, path, body):
    client = quiet(client_for(user_with("view_product", "view_category")))
    url = path.format(category=product.category_id, product=product.pk)
    assert_client_error(getattr(client, method)(url, body, format="json"), 403)
    assert not Category.objects.filter(slug__in=["garden", "yard"]).exists()
    assert Product.objects.get(pk=product.pk).name == "Lamp"


def test_an_upload_without_the_add_permission_is_forbidden(user_with, product, media_root):
    forbidden = quiet(client_for(user_with("change_productmedia", "delete_productmedia")))
    assert_client_error(upload(forbidden, product.pk), 403)
    assert not ProductMedia.objects.exists() and files_under(media_root) == []
    allowed = quiet(client_for(user_with("add_productmedia")))
    assert upload(allowed, product.pk).status_code == 201
