"""The naive pattern itself: a `post_delete` receiver calls `task.delay()` for each job of a delete."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from tests_e2e.bench.naive.shop import tasks
from tests_e2e.bench.naive.shop.models import Product, ProductImage


@receiver(post_delete, sender=ProductImage)
def remove_image_file(sender, instance, **kwargs):
    """Queue the file's removal from storage."""
    tasks.delete_file.delay(instance.file.name)


@receiver(post_delete, sender=Product)
def forget_product(sender, instance, **kwargs):
    """Queue the search deindex and the webhook of a deleted product."""
    tasks.deindex_product.delay(instance.pk)
    tasks.send_webhook.delay({"type": "product.deleted", "product_id": instance.pk, "sku": instance.sku})
