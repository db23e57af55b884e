"""The inbox: which events this service has already processed, written with the effect itself."""

from django.db import models


class ProcessedEvent(models.Model):
    """One event id a service has processed; its presence makes a redelivery to that service a no-op.

    Keyed by (service, event id): services sharing one database each keep their own inbox.
    """

    id = models.BigAutoField(primary_key=True)
    service = models.CharField(max_length=50)
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=100)
    processed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-processed_at"]
        constraints = [
            models.UniqueConstraint(fields=["service", "event_id"], name="ripple_inbox_service_event_uniq")
        ]

    def __str__(self) -> str:
        """Type and id."""
        return f"{self.service}: {self.event_type} {self.event_id}"
