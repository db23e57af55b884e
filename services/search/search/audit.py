"""The search audit: documents of products the catalog no longer has, or older than the catalog's version.

The index is read in keyset pages by product id and merged with the catalog's listing of live
`[id, version]` pairs, both sorted by id, in one pass. Orphans are removed with a tombstone,
as a delete event would (indexing.remove_untouched_since). A document behind the catalog is
refreshed from the catalog's product (`GET /api/v1/products/{id}/`), version-ordered as
`reindex` writes, so a newer upsert arriving meanwhile always wins. A document written at or
after the run's cut-off is never touched (ripple_runtime.audit.run).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.db import transaction

from ripple_runtime.audit.catalog_listing import AuditListing
from ripple_runtime.audit.command import Report
from ripple_runtime.audit.merge import outer_join
from ripple_runtime.audit.run import BEHIND, ORPHAN, AuditRun
from search import indexing
from search.catalog_client import CatalogClient, document_from_product
from search.models import SearchDocument

CHUNK = 5_000
FIX_BATCH = 500
LOWEST_ID = -(2**63)


def indexed() -> Iterator[tuple[int, int, datetime, str]]:
    """(product id, version, updated_at, document id) of every document, by product id, a page at a time."""
    after = LOWEST_ID
    while True:
        rows = list(
            SearchDocument.objects.filter(product_id__gt=after)
            .order_by("product_id")
            .values_list("product_id", "version", "updated_at", "document_id")[:CHUNK]
        )
        yield from rows
        if len(rows) < CHUNK:
            return
        after = rows[-1][0]


class SearchAudit:
    """One run over the index: findings reported as they come, fixes applied in batches."""

    def __init__(self, run: AuditRun, report: Report, catalog_url: str):
        """Nothing is read before `check`."""
        self.run, self.report, self.counts = run, report, run.counts
        self.orphans: dict[int, tuple[int, str]] = {}
        self.behind: dict[int, str] = {}
        self.client = CatalogClient(
            catalog_url, token=settings.CATALOG_API_TOKEN, timeout=settings.CATALOG_API_TIMEOUT
        )
        self.category_names: dict[int, str] = {}

    def check(self, listing: AuditListing) -> str:
        """Merge the index with the catalog's live products; return the summary line."""
        cutoff, counts = self.run.cutoff, self.counts
        named = ["documents", "orphans", "removed", "behind", "refreshed", "newer_than_audit", "not_indexed"]
        counts.update(dict.fromkeys(named, 0))
        for doc, live in outer_join(indexed(), listing.products(), lambda doc: doc[0], lambda live: live[0]):
            if doc is None:
                counts["not_indexed"] += 1  # `manage.py reindex` adds those
                continue
            counts["documents"] += 1
            self.report.checked()
            product_id, version, updated_at, document_id = doc
            if live is not None and version >= live[1]:
                continue
            if updated_at >= cutoff:
                counts["newer_than_audit"] += 1
            elif live is None:
                self.found_orphan(product_id, version, document_id)
            else:
                self.found_behind(product_id, version, live[1], document_id)
        self.flush()
        return (
            f"{counts['documents']} documents checked, {counts['orphans']} orphans "
            f"({counts['removed']} removed), {counts['behind']} behind the catalog "
            f"({counts['refreshed']} refreshed), {counts['newer_than_audit']} newer than the audit left "
            "alone, "
            f"{counts['not_indexed']} live products not indexed"
        )

    def found_orphan(self, product_id: int, version: int, document_id: str) -> None:
        """A document of a product the catalog does not list."""
        self.counts["orphans"] += 1
        if not self.run.fix:
            self.report.finding("orphan", f"document {document_id}", "found", version=version)
            return
        self.orphans[product_id] = (version, document_id)
        if len(self.orphans) >= FIX_BATCH:
            self.flush()

    def found_behind(self, product_id: int, version: int, live_version: int, document_id: str) -> None:
        """A document older than the catalog's product."""
        self.counts["behind"] += 1
        if not self.run.fix:
            self.report.finding(
                "behind", f"document {document_id}", "found", version=version, catalog=live_version
            )
            return
        self.behind[product_id] = document_id
        if len(self.behind) >= FIX_BATCH:
            self.flush()

    def flush(self) -> None:
        """Apply the pending fixes (remove orphans, refresh documents behind), each with its receipts."""
        if self.orphans:
            with transaction.atomic():
                removed = indexing.remove_untouched_since(
                    {pid: version for pid, (version, _) in self.orphans.items()}, self.run.cutoff
                )
                items = [f"document {self.orphans[pid][1]}" for pid in sorted(removed)]
                self.run.record_repaired(ORPHAN, items)
            for pid, (_, document_id) in self.orphans.items():
                self.report.finding(
                    "orphan", f"document {document_id}", "removed" if pid in removed else "left"
                )
            self.counts["removed"] += len(removed)
            self.orphans.clear()
        if self.behind:
            self.refresh(self.behind)
            self.behind.clear()

    def refresh(self, behind: dict[int, str]) -> None:
        """Re-read each product from the catalog and index it where the index is older."""
        documents = [doc for pid in sorted(behind) if (doc := self.current_document(pid)) is not None]
        with transaction.atomic():
            written = indexing.upsert_documents(documents)
            refreshed = [
                doc for doc in documents if doc.updated_at is not None
            ]  # upsert stamps what it wrote
            self.run.record_repaired(BEHIND, [f"document {doc.document_id}" for doc in refreshed])
        for pid, document_id in behind.items():
            outcome = "refreshed" if any(doc.product_id == pid for doc in refreshed) else "left"
            self.report.finding("behind", f"document {document_id}", outcome)
        self.counts["refreshed"] += written.written

    def current_document(self, product_id: int) -> SearchDocument | None:
        """The product's document as the catalog has it now; None if it was deleted meanwhile."""
        product = self.client.one("products", product_id)
        if product is None:
            return None
        category_id = product.get("category")
        if isinstance(category_id, int) and category_id not in self.category_names:
            category = self.client.one("categories", category_id) or {}
            self.category_names[category_id] = str(category.get("name", ""))
        return document_from_product(product, self.category_names)


def audit_index(run: AuditRun, listing: AuditListing, report: Report) -> str:
    """Report (and with `run.fix` repair) orphaned and outdated documents."""
    return SearchAudit(run, report, listing.catalog.base_url).check(listing)
