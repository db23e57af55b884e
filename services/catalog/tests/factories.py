"""Fast builders of catalog data for tests."""

from catalog.models import Category, Product, ProductMedia


def bulk_catalog(category: Category, products: int, media_per_product: int, prefix: str = "B"):
    """Insert many products and media rows fast (bulk_create sends no signals, so no events)."""
    rows = Product.objects.bulk_create(
        Product(category=category, sku=f"{prefix}-{i}", name=f"Product {i}") for i in range(products)
    )
    ProductMedia.objects.bulk_create(
        ProductMedia(product=p, file=f"products/{p.pk}/{j}.jpg", original_name=f"{j}.jpg", size=1)
        for p in rows
        for j in range(media_per_product)
    )
    return rows
