"""What the catalog consumes: every service's receipts, folded into the deletion ledger.

Receipts are batched longer than other services' events (LEDGER_FLUSH_SECONDS, not
CONSUMER_FLUSH_SECONDS): every fold locks the deletion's row and reads and writes a few indexes,
so a purge's few hundred receipt messages are folded in a few dozen tasks, not one task each.
"""

from django.conf import settings

from ripple_runtime.messaging.service import EventService

SERVICE = EventService(
    name="catalog",
    handlers={"ripple.receipt.v1": "ledger.receipts.apply_receipts"},
    retry=settings.EVENT_RETRY,
    flush_interval=settings.LEDGER_FLUSH_SECONDS,
    batch_size=50,  # receipt messages per fold: up to 50,000 receipts after a backlog
)
