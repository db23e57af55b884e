"""Fixtures of the catalog's tests: an isolated database and media folder, users with tokens."""

import pytest

from catalog.models import Category, Product, ProductMedia

pytest_plugins = ["ripple_testing.django_fixtures"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a folder of this test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


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
