"""What the media service deleted, and when."""

from django.db import models


class DeletedFile(models.Model):
    """One storage key removed for a catalog.media.deleted event (existed=False: it was already gone)."""

    event_id = models.UUIDField(db_index=True)
    media_id = models.BigIntegerField()
    product_id = models.BigIntegerField()
    storage_key = models.CharField(max_length=255)
    existed = models.BooleanField()
    deleted_at = models.DateTimeField(auto_now_add=True, db_index=True)  # pruned by age (media.retention)

    class Meta:
        ordering = ["-deleted_at"]

    def __str__(self) -> str:
        """The key and whether a file was there."""
        return f"{self.storage_key} ({'deleted' if self.existed else 'already gone'})"
