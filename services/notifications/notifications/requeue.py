"""Deliveries whose task was lost get a new one: by `manage.py requeue_deliveries`, or a periodic task.

A delivery's task can be lost between the commit that wrote the delivery and the publish of its
task (the worker died in between), or by a task that was dead-lettered. Such a delivery is open,
unclaimed and untouched for a while. A delivery whose claim lapsed was being attempted by a
process that died (the lease outlasts any attempt): a first attempt made at once, without a task
RabbitMQ would give back. Re-queueing either is safe, since a task only works on the deliveries
it claims, and a lapsed claim is free to take.
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
    """Enqueue open deliveries untouched for `idle_seconds` or whose claim lapsed, oldest first; how many."""
    now = timezone.now()
    idle_since = now - timedelta(seconds=idle_seconds)
    untouched = Q(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=idle_since),
        claimed_until__isnull=True,
        updated_at__lt=idle_since,
    )
    idle = Delivery.objects.filter(untouched | Q(claimed_until__lt=now), status__in=OPEN_STATUSES)
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
