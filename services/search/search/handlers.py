"""Handlers of the catalog's product events: index upserts, remove deleted products (see indexing)."""

from __future__ import annotations

import logging
import uuid

from ripple_runtime.messaging.service import PermanentFailure
from search import indexing
from search.models import SearchDocument
from shared_contracts.events import CloudEvent, ProductDeletedV1, ProductUpsertedV1, ReceiptStatus

log = logging.getLogger(__name__)
CATEGORY_NAME_LENGTH = SearchDocument._meta.get_field("category_name").max_length
DOCUMENT_ID_LENGTH = SearchDocument._meta.get_field("document_id").max_length


def document_from(data: ProductUpsertedV1) -> SearchDocument:
    """The index document of an upserted product; an id too long to store can never be indexed."""
    if len(data.search_document_id) > DOCUMENT_ID_LENGTH:
        raise PermanentFailure(f"search_document_id is longer than {DOCUMENT_ID_LENGTH} characters")
    return SearchDocument(
        product_id=data.product_id,
        document_id=data.search_document_id,
        sku=data.sku,
        name=data.name,
        description=data.description,
        price=data.price,
        category_id=data.category_id,
        category_name=(data.category_name or "")[:CATEGORY_NAME_LENGTH],
        version=data.version,
    )


def index_upserted(events: list[CloudEvent[ProductUpsertedV1]]) -> None:
    """Index the newest upsert of each product in the batch, unless the index is already newer."""
    result = indexing.upsert_documents(document_from(event.data) for event in events)
    log.debug("upserts: %s", result)


def remove_deleted(events: list[CloudEvent[ProductDeletedV1]]) -> dict[uuid.UUID, ReceiptStatus]:
    """Remove deleted products from the index and keep a tombstone with each delete's version.

    A product that had no document here (never indexed, or already removed) is `not_applicable`.
    """
    newest: dict[int, int] = {}
    for event in events:
        newest[event.data.product_id] = max(event.data.version, newest.get(event.data.product_id, 0))
    removed = indexing.remove_documents(newest)
    log.debug("deletes: %d events, %d documents removed", len(events), len(removed))
    return {
        event.id: ReceiptStatus.NOT_APPLICABLE for event in events if event.data.product_id not in removed
    }
