"""Delete the files of deleted media from the catalog's storage, refusing keys outside MEDIA_ROOT."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage

from media.models import DeletedFile
from ripple_runtime.messaging.service import PermanentFailure
from shared_contracts.events import CloudEvent, MediaDeletedV1


def safe_key(key: str) -> str:
    """Return the key if it names a file inside MEDIA_ROOT; raise PermanentFailure otherwise."""
    path = PurePosixPath(key)
    if not key or path.is_absolute() or "\\" in key or any(part in ("..", "") for part in key.split("/")):
        raise PermanentFailure(f"storage key {key!r} is not a plain relative path")
    root = Path(settings.MEDIA_ROOT).resolve()
    if not (root / path).resolve().is_relative_to(root):
        raise PermanentFailure(f"storage key {key!r} points outside the media root")
    return key


def delete_media_files(events: list[CloudEvent[MediaDeletedV1]]) -> None:
    """Check every key of the batch first, then delete; a missing file counts as deleted."""
    keys = [(event, safe_key(key)) for event in events for key in event.data.storage_keys]
    records = []
    for event, key in keys:
        existed = default_storage.exists(key)
        if existed:
            default_storage.delete(key)
        records.append(
            DeletedFile(
                event_id=event.id,
                media_id=event.data.media_id,
                product_id=event.data.product_id,
                storage_key=key,
                existed=existed,
            )
        )
    DeletedFile.objects.bulk_create(records)
