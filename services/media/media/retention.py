"""How long media keeps the record of each deleted file: RETENTION_DELETED_FILE_DAYS (90 days by default)."""

from datetime import timedelta

from django.conf import settings

from media.models import DeletedFile
from ripple_runtime.retention import Rule

RETENTION_RULES = [
    Rule(
        "deleted-file records",
        keep=lambda: timedelta(days=settings.RETENTION["DELETED_FILE_DAYS"]),
        expired=lambda cutoff: DeletedFile.objects.filter(deleted_at__lt=cutoff),
    )
]
