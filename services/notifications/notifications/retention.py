"""How long finished deliveries and their attempts are kept: RETENTION_DELIVERY_DAYS after they finished.

Finished means succeeded, failed or disabled; its last change (`updated_at`) is when it finished.
Open deliveries (pending, retrying) are never pruned, however old: they still have work to do.
"""

from datetime import timedelta

from django.conf import settings

from notifications.deliveries import OPEN_STATUSES
from notifications.models import Delivery
from ripple_runtime.retention import Rule

FINISHED_STATUSES = tuple(status for status in Delivery.Status if status not in OPEN_STATUSES)

RETENTION_RULES = [
    Rule(
        "finished deliveries",
        keep=lambda: timedelta(days=settings.RETENTION["DELIVERY_DAYS"]),
        expired=lambda cutoff: Delivery.objects.filter(status__in=FINISHED_STATUSES, updated_at__lt=cutoff),
    )
]
