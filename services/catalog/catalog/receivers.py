"""Signal receivers that turn every delete and save into outbox rows in the same transaction.

A cascade (category → products → media) is deleted by one Collector inside one transaction:
pre_delete fires for every instance first, then media rows go before their product and products
before their category. The receivers use that order to put the media of a deleted product into
its product.deleted event (and into no event of their own) and the product ids into
category.deleted without extra queries.
"""

from __future__ import annotations

import threading

from catalog import events
from catalog.models import Category, Product

_cascade = threading.local()


def _children(owner: type) -> dict[int, list]:
    """The per-thread map of instance id → children deleted with it, for one owner model."""
    maps = getattr(_cascade, "maps", None)
    if maps is None:
        maps = _cascade.maps = {Product: {}, Category: {}}
    return maps[owner]


def track_cascade_pre_delete(sender, instance, **kwargs) -> None:
    """Start collecting the children deleted along with this product or category."""
    _children(sender)[instance.pk] = []


def record_media_deleted_post_delete(sender, instance, **kwargs) -> None:
    """A media row went: list it in its product's event if that goes too, else emit media.deleted.

    A product's delete event carries everything its media's consumers need (the storage keys),
    so media deleted with their product add no events of their own: a purge of N products with
    M files is N events, not N + M.
    """
    siblings = _children(Product).get(instance.product_id)
    if siblings is not None:
        siblings.append(events.media_ref(instance))
    else:
        events.record_media_deleted(instance)


def record_product_deleted_post_delete(sender, instance, **kwargs) -> None:
    """A product went: emit product.deleted with the media deleted alongside it."""
    events.record_product_deleted(instance, _children(Product).pop(instance.pk, []))
    siblings = _children(Category).get(instance.category_id)
    if siblings is not None:
        siblings.append(instance.pk)


def record_category_deleted_post_delete(sender, instance, **kwargs) -> None:
    """A category went: emit category.deleted naming the products that went with it."""
    events.record_category_deleted(instance, _children(Category).pop(instance.pk, []))


def record_product_upserted_post_save(sender, instance, created, raw=False, **kwargs) -> None:
    """A product was created or changed: emit product.upserted (fixtures loading raw rows excepted)."""
    if not raw:
        events.record_product_upserted(instance, created)
