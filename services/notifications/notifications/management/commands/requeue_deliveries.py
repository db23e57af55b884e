"""`manage.py requeue_deliveries`: send tasks again for open deliveries nobody is working on."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from notifications.deliveries import OPEN_STATUSES
from notifications.handlers import enqueue_batches
from notifications.models import Delivery


class Command(BaseCommand):
    """Recover deliveries whose task was lost (a publish that failed after commit, a dead-lettered task)."""

    help = "Re-send the task of every pending or retrying delivery that has been idle for a while."

    def add_arguments(self, parser):
        """How idle a delivery must be, and a dry run."""
        parser.add_argument(
            "--idle-seconds", type=int, default=900, help="only deliveries untouched this long"
        )
        parser.add_argument("--dry-run", action="store_true", help="count them, send nothing")

    def handle(self, *args, idle_seconds: int, dry_run: bool, **options):
        """Find idle open deliveries (not claimed, not waiting for a retry) and enqueue them."""
        now = timezone.now()
        idle = Delivery.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=now - timedelta(seconds=idle_seconds)),
            status__in=OPEN_STATUSES,
            updated_at__lt=now - timedelta(seconds=idle_seconds),
        )
        by_subscriber: dict[tuple, list[str]] = {}
        rows = idle.order_by("created_at").values_list("channel", "endpoint_id", "recipient_id", "pk")
        for channel, endpoint_id, recipient_id, pk in rows:
            by_subscriber.setdefault((channel, endpoint_id, recipient_id), []).append(str(pk))
        if not dry_run:
            enqueue_batches([(key[0], ids) for key, ids in by_subscriber.items()])
        count = sum(map(len, by_subscriber.values()))
        self.stdout.write(f"{'would requeue' if dry_run else 'requeued'} {count} deliveries")
