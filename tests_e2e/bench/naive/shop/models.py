"""Products, their images on disk, and the search table the search job removes rows from."""

from django.db import models


class Product(models.Model):
    """A product; deleting it deletes its images (CASCADE) and fires the receivers."""

    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)

    def __str__(self):
        """The SKU."""
        return self.sku


class ProductImage(models.Model):
    """A stored file of a product (under MEDIA_ROOT/products/<product id>/)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(max_length=300)

    def __str__(self):
        """The storage key."""
        return self.file.name


class SearchEntry(models.Model):
    """The search index's row of a product (no foreign key: the index is a separate concern)."""

    product_id = models.BigIntegerField(unique=True)
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)

    def __str__(self):
        """The product's SKU."""
        return self.sku
