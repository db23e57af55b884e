"""Fixtures of the catalog's tests: an isolated database and media folder, users with tokens."""

import uuid

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import Category, Product, ProductMedia


@pytest.fixture(scope="session")
def django_db_modify_db_settings():
    """Give this run a database of its own, so parallel runs never meet."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        db.setdefault("TEST", {})["NAME"] = f"test_ripple_catalog_{uuid.uuid4().hex[:8]}"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a folder of this test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def client_for(user: User) -> APIClient:
    """An API client that authenticates with the user's token."""
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def admin_user(db):
    """A superuser."""
    return User.objects.create_superuser("admin", "admin@example.com", "a-long-test-password")


@pytest.fixture
def api(admin_user):
    """An API client authenticated as the superuser."""
    return client_for(admin_user)


@pytest.fixture
def user_with(db):
    """Make a user holding exactly the named permissions (e.g. 'delete_product')."""

    def make(*codenames: str) -> User:
        user = User.objects.create_user(f"user-{uuid.uuid4().hex[:6]}", password="x-long-password")
        user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
        return user

    return make


@pytest.fixture
def category(db):
    """A category to put products in."""
    return Category.objects.create(name="Kitchen", slug="kitchen")


@pytest.fixture
def product_with_media(category):
    """A product with two media files on storage."""
    from django.core.files.base import ContentFile

    product = Product.objects.create(category=category, sku="MUG-1", name="Blue mug")
    for name in ("front.jpg", "side.jpg"):
        media = ProductMedia(product=product, original_name=name, content_type="image/jpeg")
        media.file.save(name, ContentFile(b"\xff\xd8 jpeg bytes"), save=False)
        media.size = media.file.size
        media.save()
    return product
