"""Category → Product → ProductMedia: what the catalog holds and what its deletes are about."""

from __future__ import annotations

import uuid

from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.utils.text import get_valid_filename


class Category(models.Model):
    """A group of products; deleting it deletes its products and their media."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        """The category's name."""
        return self.name


class Product(models.Model):
    """A product; `version` grows on every change so consumers can order its events."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="products")
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        """SKU and name."""
        return f"{self.sku} {self.name}"

    def save(self, *args, **kwargs) -> None:
        """Bump the version on every change; save and its upsert event commit together."""
        if not self._state.adding:
            self.version += 1
        with transaction.atomic():
            super().save(*args, **kwargs)


def media_upload_to(instance: ProductMedia, filename: str) -> str:
    """Store each upload under its product with a random prefix, so names never collide."""
    return f"products/{instance.product_id}/{uuid.uuid4().hex[:12]}-{get_valid_filename(filename)}"


class ProductMedia(models.Model):
    """A file attached to a product, kept on Django's storage (MEDIA_ROOT by default)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="media")
    file = models.FileField(upload_to=media_upload_to, max_length=255)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "product media"

    def __str__(self) -> str:
        """The stored file name."""
        return self.file.name
