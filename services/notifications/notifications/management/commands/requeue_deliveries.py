"""`manage.py requeue_deliveries`: send tasks again for open deliveries nobody is working on."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from notifications.requeue import requeue_idle


class Command(BaseCommand):
    """Recover deliveries whose task was lost (the worker does the same on a timer)."""

    help = "Re-send the task of every pending or retrying delivery that has been idle for a while."

    def add_arguments(self, parser):
        """How idle a delivery must be, and a dry run."""
        parser.add_argument(
            "--idle-seconds", type=int, default=900, help="only deliveries untouched this long"
        )
        parser.add_argument("--dry-run", action="store_true", help="count them, send nothing")

    def handle(self, *args, idle_seconds: int, dry_run: bool, **options):
        """Find idle open deliveries (not claimed, not waiting for a retry) and enqueue them."""
        count = requeue_idle(idle_seconds, dry_run=dry_run)
        self.stdout.write(f"{'would requeue' if dry_run else 'requeued'} {count} deliveries")
