"""`manage.py deadletters list|show ID|redrive [--all | ID …]` for this service's dead-letter queue."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ripple_runtime.messaging import deadletter
from shared_contracts import topology


class Command(BaseCommand):
    """Inspect and redrive the dead-letter queue of the service named by settings.RIPPLE_SERVICE."""

    help = "List, show or redrive this service's dead-lettered events."

    def add_arguments(self, parser):
        """Subcommands list, show and redrive."""
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="list dead-lettered events with their reasons")
        listing.add_argument("--limit", type=int, default=1000)
        show = sub.add_parser("show", help="print one dead-lettered event in full")
        show.add_argument("event_id")
        redrive = sub.add_parser("redrive", help="send events back to this service's queue")
        redrive.add_argument("event_ids", nargs="*")
        redrive.add_argument("--all", action="store_true", help="redrive every dead-lettered event")

    def handle(self, *args, action, **options):
        """Run the chosen subcommand."""
        sub = topology.SUBSCRIPTIONS[settings.RIPPLE_SERVICE]
        url = settings.BROKER_URL
        if action == "list":
            letters = deadletter.peek(url, sub, options["limit"])
            for letter in letters:
                self.stdout.write(
                    f"{letter.event_id}\t{letter.event_type}\tattempts={letter.attempts}\t{letter.reason}"
                )
            self.stdout.write(f"{len(letters)} dead-lettered events in {sub.dead_letter_queue_name}")
        elif action == "show":
            for letter in deadletter.peek(url, sub):
                if letter.event_id == options["event_id"]:
                    self.stdout.write(f"reason: {letter.reason}\nattempts: {letter.attempts}")
                    self.stdout.write(json.dumps(json.loads(letter.body), indent=2))
                    return
            raise CommandError(f"no dead-lettered event {options['event_id']}")
        else:
            if bool(options["all"]) == bool(options["event_ids"]):
                raise CommandError("give event ids or --all")
            wanted = None if options["all"] else set(options["event_ids"])
            moved = deadletter.redrive(url, sub, wanted)
            self.stdout.write(f"redrove {moved} events to {sub.queue_name}")
