"""Delete the files of deleted media from the catalog's storage, refusing keys outside MEDIA_ROOT.

Both events name files: `media.deleted` one media row's, `product.deleted` those of every media
row deleted with the product. Deleting twice is harmless (a missing file counts as deleted), and
a product deleted without media is `not_applicable` here.
"""

from __future__ import annotations

import uuid
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage

from media.models import DeletedFile
from ripple_runtime.messaging.service import PermanentFailure
from shared_contracts.events import CloudEvent, MediaDeletedV1, ProductDeletedV1, ReceiptStatus


def safe_key(key: str) -> str:
    """Return the key if it names a file inside MEDIA_ROOT; raise PermanentFailure otherwise."""
    path = PurePosixPath(key)
    if not key or path.is_absolute() or "\\" in key or any(part in ("..", "") for part in key.split("/")):
        raise PermanentFailure(f"storage key {key!r} is not a plain relative path")
    root = Path(settings.MEDIA_ROOT).resolve()
    if not (root / path).resolve().is_relative_to(root):
        raise PermanentFailure(f"storage key {key!r} points outside the media root")
    return key


def delete_files(files: list[tuple[uuid.UUID, int, int, str]]) -> None:
    """Delete (event id, media id, product id, key) files: every key is checked first, then each goes."""
    checked = [
        (event_id, media_id, product_id, safe_key(key)) for event_id, media_id, product_id, key in files
    ]
    records = []
    for event_id, media_id, product_id, key in checked:
        existed = default_storage.exists(key)
        if existed:
            default_storage.delete(key)
        records.append(
            DeletedFile(
                event_id=event_id, media_id=media_id, product_id=product_id, storage_key=key, existed=existed
            )
        )
    DeletedFile.objects.bulk_create(records)


def delete_media_files(events: list[CloudEvent[MediaDeletedV1]]) -> None:
    """Delete the stored files of deleted media rows."""
    delete_files(
        [
            (event.id, event.data.media_id, event.data.product_id, key)
            for event in events
            for key in event.data.storage_keys
        ]
    )


def delete_product_files(events: list[CloudEvent[ProductDeletedV1]]) -> dict[uuid.UUID, ReceiptStatus]:
    """Delete the files of every media row deleted with a product; a product without media is not ours."""
    delete_files(
        [
            (event.id, ref.media_id, event.data.product_id, key)
            for event in events
            for ref in event.data.media
            for key in ref.storage_keys
        ]
    )
    return {event.id: ReceiptStatus.NOT_APPLICABLE for event in events if not event.data.media}
