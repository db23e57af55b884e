"""Deliveries whose task was lost get a new one: by `manage.py requeue_deliveries`, or a periodic task.

A delivery's task can be lost between the commit that wrote the delivery and the publish of its
task (the worker died in between), or by a task that was dead-lettered. Such a delivery is open,
unclaimed and untouched for a while; re-queueing it is safe, since a task only works on the
deliveries it claims.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from notifications.deliveries import OPEN_STATUSES
from notifications.handlers import enqueue_batches
from notifications.models import Delivery
from notifications_site.celery import app

log = logging.getLogger(__name__)


def requeue_idle(idle_seconds: int, *, limit: int | None = None, dry_run: bool = False) -> int:
    """Enqueue the open deliveries nobody has touched for `idle_seconds` (oldest first); return how many."""
    now = timezone.now()
    idle = Delivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=now - timedelta(seconds=idle_seconds)),
        status__in=OPEN_STATUSES,
        updated_at__lt=now - timedelta(seconds=idle_seconds),
    )
    rows = idle.order_by("created_at").values_list("channel", "endpoint_id", "recipient_id", "pk")[:limit]
    by_subscriber: dict[tuple, list[str]] = {}
    for channel, endpoint_id, recipient_id, pk in rows:
        by_subscriber.setdefault((channel, endpoint_id, recipient_id), []).append(str(pk))
    if not dry_run:
        enqueue_batches([(key[0], ids) for key, ids in by_subscriber.items()])
    return sum(map(len, by_subscriber.values()))


@app.task(name="notifications.requeue_idle_deliveries", ignore_result=True)
def requeue_idle_deliveries() -> int:
    """One bounded round, sent by every worker on its timer (notifications_site.celery)."""
    count = requeue_idle(
        settings.NOTIFICATIONS_REQUEUE_IDLE_SECONDS, limit=settings.NOTIFICATIONS_REQUEUE_LIMIT
    )
    if count:
        log.warning("requeued %d deliveries whose task was lost", count)
    return count
