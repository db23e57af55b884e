"""Everything the search service subscribes to, in one place."""

from django.conf import settings

from ripple_runtime.messaging.service import EventService

SERVICE = EventService(
    name="search",
    handlers={
        "catalog.product.upserted.v1": "search.handlers.index_upserted",
        "catalog.product.deleted.v1": "search.handlers.remove_deleted",
    },
    retry=settings.EVENT_RETRY,
    flush_interval=settings.CONSUMER_FLUSH_SECONDS,
)
