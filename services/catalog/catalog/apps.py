"""App configuration of the catalog: the receivers that turn changes into events, and its system check."""

from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_delete, post_save, pre_delete


class CatalogConfig(AppConfig):
    """The catalog app."""

    name = "catalog"

    def ready(self) -> None:
        """Connect every receiver once, with a dispatch_uid, as django-cleanup does; register the checks."""
        from catalog import receivers
        from catalog.checks import check_no_database_level_deletes
        from catalog.models import Category, Product, ProductMedia

        pre_delete.connect(
            receivers.track_cascade_pre_delete, sender=Product, dispatch_uid="catalog.product.pre"
        )
        pre_delete.connect(
            receivers.track_cascade_pre_delete, sender=Category, dispatch_uid="catalog.category.pre"
        )
        post_delete.connect(
            receivers.record_media_deleted_post_delete,
            sender=ProductMedia,
            dispatch_uid="catalog.media.deleted",
        )
        post_delete.connect(
            receivers.record_product_deleted_post_delete,
            sender=Product,
            dispatch_uid="catalog.product.deleted",
        )
        post_delete.connect(
            receivers.record_category_deleted_post_delete,
            sender=Category,
            dispatch_uid="catalog.category.deleted",
        )
        post_save.connect(
            receivers.record_product_upserted_post_save,
            sender=Product,
            dispatch_uid="catalog.product.upserted",
        )
        checks.register(check_no_database_level_deletes, checks.Tags.models)
