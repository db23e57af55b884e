"""What the catalog consumes: every service's receipts, folded into the deletion ledger."""

from django.conf import settings

from ripple_runtime.messaging.service import EventService

SERVICE = EventService(
    name="catalog",
    handlers={"ripple.receipt.v1": "ledger.receipts.apply_receipts"},
    retry=settings.EVENT_RETRY,
    flush_interval=settings.CONSUMER_FLUSH_SECONDS,
    batch_size=500,
)
