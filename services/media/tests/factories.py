"""Events as the catalog would send them."""

from shared_contracts.events import MediaDeletedV1, build_event
from shared_contracts.events.catalog import SOURCE


def media_deleted(*keys: str, media_id: int = 1, product_id: int = 1):
    """A catalog.media.deleted.v1 event for the given storage keys."""
    return build_event(
        MediaDeletedV1(media_id=media_id, product_id=product_id, storage_keys=list(keys)), source=SOURCE
    )
