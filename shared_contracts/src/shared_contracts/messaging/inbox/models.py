"""The inbox: which events this service has already processed, written with the effect itself."""

from django.db import models


class ProcessedEvent(models.Model):
    """One event id this service has processed; its presence makes a redelivery a no-op."""

    event_id = models.UUIDField(primary_key=True)
    event_type = models.CharField(max_length=100)
    processed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-processed_at"]

    def __str__(self) -> str:
        """Type and id."""
        return f"{self.event_type} {self.event_id}"
