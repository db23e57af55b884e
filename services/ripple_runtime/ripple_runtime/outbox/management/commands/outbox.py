"""`manage.py outbox parked | resend [--all | EVENT_ID …]`: see and re-send the rows the broker refused."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ripple_runtime.outbox import claims
from ripple_runtime.outbox.models import OutboxEvent


class Command(BaseCommand):
    """List this service's parked outbox rows, or put them (or rows backing off) back to be sent now."""

    help = "List parked outbox events, or re-send parked or backing-off ones."

    def add_arguments(self, parser):
        """Subcommands parked and resend."""
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("parked", help="list parked events with their attempts and last error")
        listing.add_argument("--limit", type=int, default=1000)
        resend = sub.add_parser("resend", help="send parked or backing-off events again, attempts from zero")
        resend.add_argument("event_ids", nargs="*", help="event ids (UUIDs) to re-send")
        resend.add_argument("--all", action="store_true", help="re-send every parked or backing-off event")

    def handle(self, *args, action, **options):
        """Run the chosen subcommand for settings.RIPPLE_SERVICE."""
        service = settings.RIPPLE_SERVICE
        if action == "parked":
            parked = OutboxEvent.objects.filter(service=service, parked_at__isnull=False).order_by(
                "parked_at"
            )
            for row in parked[: options["limit"]]:
                self.stdout.write(
                    f"{row.event_id}\t{row.event_type}\tattempts={row.attempts}\t"
                    f"parked_at={row.parked_at.isoformat()}\t{row.last_error}"
                )
            self.stdout.write(f"{parked.count()} parked events")
            return
        if bool(options["all"]) == bool(options["event_ids"]):
            raise CommandError("give event ids or --all, not both and not neither")
        if options["all"]:
            count = claims.resend(service)
        else:
            event_ids = {self._uuid(text) for text in options["event_ids"]}
            not_held = event_ids - set(
                claims.held(service).filter(event_id__in=event_ids).values_list("event_id", flat=True)
            )
            if not_held:
                listed = ", ".join(sorted(map(str, not_held)))
                raise CommandError(
                    f"not parked nor backing off in {service}'s outbox, nothing re-sent: {listed}"
                )
            count = claims.resend(service, list(event_ids))
        self.stdout.write(f"re-sending {count} events")

    @staticmethod
    def _uuid(text: str) -> uuid.UUID:
        """An event id from the command line, or a clear error."""
        try:
            return uuid.UUID(text)
        except ValueError:
            raise CommandError(f"not an event id (a UUID): {text!r}") from None
