"""What a scenario leaves behind: per deleted product, what is left anywhere and what happened how often."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Outcome:
    """What is left of a set of deleted products, and how often each effect happened."""

    files_left: int
    search_documents_left: int
    webhooks_per_product: dict[int, int]
    distinct_webhook_ids: int
    mails_per_product: dict[int, int]
    outbox_unpublished: int
    queued: dict[str, int]
    deletions_open: int = 0

    def lost(self) -> list[str]:
        """Every way in which something was lost or left behind; empty when all is well."""
        problems = []
        if self.files_left:
            problems.append(f"{self.files_left} files left")
        if self.search_documents_left:
            problems.append(f"{self.search_documents_left} search documents left")
        problems += [f"product {p}: no webhook" for p, n in self.webhooks_per_product.items() if n == 0]
        problems += [f"product {p}: no mail" for p, n in self.mails_per_product.items() if n == 0]
        if self.outbox_unpublished:
            problems.append(f"{self.outbox_unpublished} outbox rows unpublished")
        problems += [f"{queue}: {n} messages left" for queue, n in self.queued.items() if n > 0]
        if self.deletions_open:
            problems.append(f"{self.deletions_open} deletions not complete in the ledger")
        return problems

    def summary(self) -> str:
        """One line of counts, printed by every scenario."""
        hooks, mails = self.webhooks_per_product.values(), self.mails_per_product.values()
        return (
            f"products={len(self.webhooks_per_product)} files_left={self.files_left} "
            f"search_left={self.search_documents_left} webhooks={sum(hooks)} "
            f"(distinct ids {self.distinct_webhook_ids}, max per product {max(hooks, default=0)}) "
            f"mails={sum(mails)} (max per product {max(mails, default=0)}) "
            f"outbox_unpublished={self.outbox_unpublished} deletions_open={self.deletions_open} "
            f"queued={sum(n for n in self.queued.values() if n > 0)} "
            f"unavailable queues={sorted(q for q, n in self.queued.items() if n < 0)}"
        )
