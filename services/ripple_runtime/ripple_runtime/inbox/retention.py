"""How long the inbox remembers processed event ids: RETENTION_INBOX_DAYS (30 days by default).

Longer than any way a copy of an event can still arrive: a broker redelivery or a handler's
retries (minutes), a relay republishing a batch after a crash (seconds), and an operator
redriving the dead-letter queue (README: redrive within RETENTION_INBOX_DAYS). Forgetting an id
sooner would let a late copy take effect twice.
"""

from datetime import timedelta

from django.conf import settings

from ripple_runtime.inbox.models import ProcessedEvent
from ripple_runtime.retention import Rule

RETENTION_RULES = [
    Rule(
        "processed event ids",
        keep=lambda: timedelta(days=settings.RETENTION["INBOX_DAYS"]),
        expired=lambda cutoff: ProcessedEvent.objects.filter(
            service=settings.RIPPLE_SERVICE, processed_at__lt=cutoff
        ),
    )
]
