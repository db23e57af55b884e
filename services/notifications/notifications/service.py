"""Everything the notifications service subscribes to, in one place."""

from django.conf import settings

from ripple_runtime.messaging.service import EventService

SERVICE = EventService(
    name="notifications",
    handlers={
        "catalog.product.deleted.v1": "notifications.handlers.notify_product_deleted",
        "catalog.category.deleted.v1": "notifications.handlers.notify_category_deleted",
        "catalog.deletion.completed.v1": "notifications.handlers.notify_deletion_finished",
        "catalog.deletion.failed.v1": "notifications.handlers.notify_deletion_finished",
    },
    retry=settings.EVENT_RETRY,
    flush_interval=settings.CONSUMER_FLUSH_SECONDS,
)

SUBSCRIBABLE_EVENT_TYPES: tuple[str, ...] = tuple(SERVICE.handlers)
