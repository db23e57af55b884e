"""Catalog events as the catalog would send them."""

from shared_contracts.events import ProductDeletedV1, ProductUpsertedV1, build_event, sequence_for
from shared_contracts.events.catalog import SOURCE, search_document_id


def upserted(product_id: int, version: int = 1, **fields):
    """A catalog.product.upserted.v1 event; fields override the defaults."""
    data = {
        "sku": f"SKU-{product_id}",
        "name": f"Product {product_id}",
        "description": "",
        "category_id": 1,
        "category_name": "Misc",
        **fields,
    }
    return build_event(
        ProductUpsertedV1(
            product_id=product_id,
            version=version,
            search_document_id=search_document_id(product_id),
            **data,
        ),
        source=SOURCE,
        sequence=sequence_for(version),
    )


def deleted(product_id: int, version: int):
    """A catalog.product.deleted.v1 event at the given version."""
    return build_event(
        ProductDeletedV1(
            product_id=product_id,
            sku=f"SKU-{product_id}",
            name=f"Product {product_id}",
            version=version,
            search_document_id=search_document_id(product_id),
        ),
        source=SOURCE,
        sequence=sequence_for(version),
    )
