"""Events as the catalog would send them, and rows as the worker leaves them behind."""

import uuid
from datetime import timedelta

from django.utils import timezone

from media.models import DeletedFile
from ripple_runtime.inbox.models import ProcessedEvent
from shared_contracts.events import MediaDeletedV1, build_event
from shared_contracts.events.catalog import SOURCE


def media_deleted(*keys: str, media_id: int = 1, product_id: int = 1):
    """A catalog.media.deleted.v1 event for the given storage keys."""
    return build_event(
        MediaDeletedV1(media_id=media_id, product_id=product_id, storage_keys=list(keys)), source=SOURCE
    )


def deleted_files(count: int, days_ago: float) -> set[int]:
    """Records of deleted files, written `days_ago`; their ids."""
    rows = DeletedFile.objects.bulk_create(
        DeletedFile(event_id=uuid.uuid4(), media_id=n, product_id=1, storage_key=f"p/{n}.jpg", existed=True)
        for n in range(count)
    )
    ids = {row.pk for row in rows}
    DeletedFile.objects.filter(pk__in=ids).update(deleted_at=timezone.now() - timedelta(days=days_ago))
    return ids


def processed(count: int, days_ago: float, service: str = "media") -> set[int]:
    """Inbox rows of `service`, processed `days_ago`; their ids."""
    rows = ProcessedEvent.objects.bulk_create(
        ProcessedEvent(service=service, event_id=uuid.uuid4(), event_type="catalog.media.deleted.v1")
        for _ in range(count)
    )
    ids = {row.pk for row in rows}
    ProcessedEvent.objects.filter(pk__in=ids).update(processed_at=timezone.now() - timedelta(days=days_ago))
    return ids
