"""Version-ordered writes to the index, shared by the event handlers and `manage.py reindex`.

An upsert is written only if its version is above the indexed document's and the product has no
tombstone: a tombstone is final for its product id, whatever version a later upsert carries (the
catalog never brings a deleted id back). A delete removes the document and raises the tombstone. Each
call is a few bulk queries, whatever the number of products, and must run inside a transaction
(the backend's per-product lock lasts until it ends).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from search.backends import backend
from search.models import SearchDocument, Tombstone

DOCUMENT_FIELDS = [
    "document_id",
    "sku",
    "name",
    "description",
    "price",
    "category_id",
    "category_name",
    "version",
    "updated_at",
]


@dataclass(frozen=True)
class UpsertResult:
    """What became of a batch of upserts."""

    written: int = 0
    current: int = 0
    tombstoned: int = 0


def versions(model: type[Model], product_ids: Iterable[int]) -> dict[int, int]:
    """The stored version of each of the products that has a row of `model`."""
    rows = model.objects.filter(product_id__in=list(product_ids)).values_list("product_id", "version")
    return dict(rows)


def newest_per_product(documents: Iterable[SearchDocument]) -> list[SearchDocument]:
    """Keep only the highest version of each product (a batch may carry several)."""
    newest: dict[int, SearchDocument] = {}
    for doc in documents:
        if doc.product_id not in newest or doc.version > newest[doc.product_id].version:
            newest[doc.product_id] = doc
    return list(newest.values())


def require_transaction() -> None:
    """Refuse to write outside a transaction: the per-product lock and the version checks need one."""
    if transaction.get_autocommit():
        raise RuntimeError("index writes must run inside transaction.atomic()")


def upsert_documents(documents: Iterable[SearchDocument]) -> UpsertResult:
    """Write each document unless the index holds its version or a newer one, or the product is deleted."""
    require_transaction()
    docs = newest_per_product(documents)
    if not docs:
        return UpsertResult()
    ids = [doc.product_id for doc in docs]
    backend().lock_products(ids)
    indexed, deleted = versions(SearchDocument, ids), versions(Tombstone, ids)
    live = [d for d in docs if d.product_id not in deleted]
    fresh = [d for d in live if d.version > indexed.get(d.product_id, 0)]
    now = timezone.now()
    for doc in fresh:
        doc.updated_at = now
    SearchDocument.objects.bulk_create(
        fresh, update_conflicts=True, unique_fields=["product_id"], update_fields=DOCUMENT_FIELDS
    )
    return UpsertResult(written=len(fresh), current=len(live) - len(fresh), tombstoned=len(docs) - len(live))


def remove_documents(deleted_versions: dict[int, int]) -> set[int]:
    """Remove deleted products' documents, raise each tombstone to its highest version.

    Returns the ids of the products that had a document here.
    """
    require_transaction()
    ids = list(deleted_versions)
    if not ids:
        return set()
    backend().lock_products(ids)
    tombstones = versions(Tombstone, ids)
    held = SearchDocument.objects.filter(product_id__in=ids)
    removed = set(held.values_list("product_id", flat=True))
    if removed:
        held.delete()
    now = timezone.now()
    raised = [
        Tombstone(product_id=pid, version=version, deleted_at=now)
        for pid, version in deleted_versions.items()
        if version > tombstones.get(pid, 0)
    ]
    Tombstone.objects.bulk_create(
        raised, update_conflicts=True, unique_fields=["product_id"], update_fields=["version", "deleted_at"]
    )
    return removed


def prune_unlisted(listed: set[int], listed_since: datetime) -> int:
    """Remove documents of products a full catalog listing missed and no event touched since it began."""
    unlisted = {
        pid: version
        for pid, version in SearchDocument.objects.filter(updated_at__lt=listed_since).values_list(
            "product_id", "version"
        )
        if pid not in listed
    }
    return len(remove_documents(unlisted)) if unlisted else 0
