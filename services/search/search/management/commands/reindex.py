"""`manage.py reindex [--catalog-url URL] [--prune]`: rebuild the index from the catalog API."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from ripple_runtime.catalog_api import CatalogUnreadable
from search import indexing
from search.catalog_client import CatalogClient, category_names, document_from_product


class Command(BaseCommand):
    """Read every product from the catalog, page by page, and index it by its version."""

    help = (
        "Rebuild the search index from the catalog API. Products are written only where the index "
        "is older; tombstoned (deleted) products stay out."
    )

    def add_arguments(self, parser):
        """The catalog's address and whether to drop documents the catalog no longer lists."""
        parser.add_argument("--catalog-url", default=settings.CATALOG_API_URL)
        parser.add_argument(
            "--prune",
            action="store_true",
            help="also remove (and tombstone) documents of products the catalog did not list",
        )

    def handle(self, *args, catalog_url: str, prune: bool, verbosity: int, **options):
        """Index page after page, each in its own transaction, then print a summary."""
        client = CatalogClient(
            catalog_url, token=settings.CATALOG_API_TOKEN, timeout=settings.CATALOG_API_TIMEOUT
        )
        started = timezone.now()
        seen: set[int] = set()
        totals = {"written": 0, "current": 0, "tombstoned": 0}
        try:
            categories = category_names(client)
            for number, page in enumerate(client.pages("products"), start=1):
                documents = [document_from_product(product, categories) for product in page]
                with transaction.atomic():
                    result = indexing.upsert_documents(documents)
                seen.update(doc.product_id for doc in documents)
                for key in totals:
                    totals[key] += getattr(result, key)
                if verbosity > 1:
                    self.stdout.write(f"page {number}: {len(documents)} products, {result.written} written")
        except CatalogUnreadable as exc:
            raise CommandError(f"reindex stopped after {len(seen)} products: {exc}") from exc
        pruned = 0
        if prune:
            with transaction.atomic():
                pruned = indexing.prune_unlisted(seen, listed_since=started)
        self.stdout.write(
            f"reindexed {len(seen)} products from {catalog_url}: {totals['written']} written, "
            f"{totals['current']} already current, {totals['tombstoned']} deleted (tombstoned), "
            f"{pruned} pruned"
        )
