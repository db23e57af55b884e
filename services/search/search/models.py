"""The search index: one document per live product, one tombstone per deleted product.

The full-text part lives beside these tables and is created by migration 0002: a generated
`search_vector` column with a GIN index on PostgreSQL, an FTS5 table kept in step by triggers on
SQLite. Every write through these models keeps it current.
"""

from django.db import models


class SearchDocument(models.Model):
    """A product as search knows it; `version` is the catalog's, so older events never overwrite newer."""

    product_id = models.BigIntegerField(unique=True)
    document_id = models.CharField(max_length=255)
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    category_id = models.BigIntegerField(null=True, blank=True)
    category_name = models.CharField(max_length=200, blank=True, default="")
    version = models.BigIntegerField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "search_document"
        ordering = ["product_id"]

    def __str__(self) -> str:
        """SKU, name and version."""
        return f"{self.sku} {self.name} (v{self.version})"


class Tombstone(models.Model):
    """A deleted product and the version of its delete: no upsert at or below it is indexed again."""

    product_id = models.BigIntegerField(unique=True)
    version = models.BigIntegerField()
    deleted_at = models.DateTimeField()

    class Meta:
        db_table = "search_tombstone"
        ordering = ["product_id"]

    def __str__(self) -> str:
        """Which product, deleted at which version."""
        return f"product {self.product_id} deleted at v{self.version}"
