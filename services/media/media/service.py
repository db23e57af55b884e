"""Everything the media service subscribes to, in one place."""

from django.conf import settings

from ripple_runtime.messaging.service import EventService

SERVICE = EventService(
    name="media",
    handlers={
        "catalog.media.deleted.v1": "media.handlers.delete_media_files",
        "catalog.product.deleted.v1": "media.handlers.delete_product_files",
    },
    retry=settings.EVENT_RETRY,
    flush_interval=settings.CONSUMER_FLUSH_SECONDS,
)
