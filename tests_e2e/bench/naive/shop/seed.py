"""Seed the naive shop in bulk (run inside its Django, not measured): products, image rows, search rows."""

from tests_e2e.bench.data import MEDIA_NAMES
from tests_e2e.bench.naive.shop.models import Product, ProductImage, SearchEntry


def seed(prefix: str, count: int) -> None:
    """Create `count` products named after `prefix`, two image rows each; print their ids."""
    products = Product.objects.bulk_create(
        Product(sku=f"{prefix}-{n}", name=f"{prefix} product {n}") for n in range(count)
    )
    ProductImage.objects.bulk_create(
        ProductImage(product=product, file=f"products/{product.pk}/{name}")
        for product in products
        for name in MEDIA_NAMES
    )
    SearchEntry.objects.bulk_create(
        SearchEntry(product_id=product.pk, sku=product.sku, name=product.name) for product in products
    )
    print(" ".join(str(product.pk) for product in products))
