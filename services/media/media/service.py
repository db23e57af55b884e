"""Everything the media service subscribes to, in one place."""

from django.conf import settings

from shared_contracts.messaging.service import EventService, RetryPolicy

SERVICE = EventService(
    name="media",
    handlers={"catalog.media.deleted.v1": "media.handlers.delete_media_files"},
    retry=RetryPolicy(**settings.EVENT_RETRY),
)
