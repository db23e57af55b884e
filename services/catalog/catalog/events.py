"""Build the catalog's events from model instances, stamped with who asked, which request, which deletion."""

from __future__ import annotations

from catalog.models import Category, Product, ProductMedia
from catalog.request_context import (
    current_correlation_id,
    current_traceparent,
    current_user,
)
from ledger import scope
from ledger.models import Deletion
from ripple_runtime.outbox import recorder
from shared_contracts.events import (
    CategoryDeletedV1,
    EventData,
    MediaDeletedV1,
    ProductDeletedV1,
    ProductUpsertedV1,
    build_event,
    sequence_for,
)
from shared_contracts.events.catalog import SOURCE, Actor, MediaRef, search_document_id


def current_actor() -> Actor | None:
    """The user behind the current request, as events name them."""
    user = current_user()
    return Actor(user_id=user.pk, username=user.get_username()) if user else None


def _record(data: EventData, aggregate: str, aggregate_id: int, sequence: str | None = None, **extensions):
    """Wrap data in an envelope and write it to the outbox of the current transaction."""
    event = build_event(
        data,
        source=SOURCE,
        subject=f"{aggregate}/{aggregate_id}",
        correlationid=current_correlation_id(),
        traceparent=current_traceparent(),
        sequence=sequence,
        **extensions,
    )
    recorder.record(event, aggregate_type=aggregate, aggregate_id=aggregate_id)
    return event


def _record_deleted(data: EventData, aggregate: str, aggregate_id: int, sequence: str | None = None) -> None:
    """Record a delete event as part of the open deletion (or of a deletion of its own, outside one)."""
    with scope.deletion(Deletion.Kind.OTHER, f"{aggregate} {aggregate_id}") as opened:
        opened.add(_record(data, aggregate, aggregate_id, sequence, deletionid=opened.stamp))


def media_ref(media: ProductMedia) -> MediaRef:
    """A deleted media row as the product event lists it."""
    return MediaRef(media_id=media.pk, storage_keys=[media.file.name])


def record_media_deleted(media: ProductMedia) -> None:
    """Emit catalog.media.deleted.v1: the media service deletes its stored files."""
    data = MediaDeletedV1(
        media_id=media.pk,
        product_id=media.product_id,
        storage_keys=[media.file.name],
        content_type=media.content_type or None,
        size=media.size,
        deleted_by=current_actor(),
    )
    _record_deleted(data, "media", media.pk)


def record_product_deleted(product: Product, media: list[MediaRef]) -> None:
    """Emit catalog.product.deleted.v1 with a version above any upsert of the product."""
    version = product.version + 1
    data = ProductDeletedV1(
        product_id=product.pk,
        sku=product.sku,
        name=product.name,
        category_id=product.category_id,
        version=version,
        search_document_id=search_document_id(product.pk),
        media=media,
        deleted_by=current_actor(),
    )
    _record_deleted(data, "product", product.pk, sequence=sequence_for(version))


def record_category_deleted(category: Category, product_ids: list[int]) -> None:
    """Emit catalog.category.deleted.v1 (its products have events of their own)."""
    data = CategoryDeletedV1(
        category_id=category.pk,
        name=category.name,
        slug=category.slug,
        product_ids=product_ids,
        deleted_by=current_actor(),
    )
    _record_deleted(data, "category", category.pk)


def record_product_upserted(product: Product, created: bool) -> None:
    """Emit catalog.product.upserted.v1 with the product's new version."""
    data = ProductUpsertedV1(
        product_id=product.pk,
        sku=product.sku,
        name=product.name,
        description=product.description,
        price=product.price,
        category_id=product.category_id,
        category_name=product.category.name,
        version=product.version,
        search_document_id=search_document_id(product.pk),
        created=created,
        changed_by=current_actor(),
    )
    _record(data, "product", product.pk, sequence=sequence_for(product.version))
