"""`manage.py relay_outbox`: the long-running process that publishes the service's outbox to RabbitMQ."""

from __future__ import annotations

import signal
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ripple_runtime.metrics.processes import serve_relay
from ripple_runtime.outbox.models import RelayHeartbeat
from ripple_runtime.outbox.relay import OutboxRelay, RelaySettings, publisher_for
from ripple_runtime.outbox.wakeup import PollWakeup, wakeup_for


class Command(BaseCommand):
    """Publish pending outbox rows with publisher confirms until SIGTERM or Ctrl-C."""

    help = "Publish pending outbox events to RabbitMQ (with confirms) until stopped."

    def add_arguments(self, parser):
        """Options for one-off draining and tuning."""
        parser.add_argument("--once", action="store_true", help="publish what is pending now, then exit")
        parser.add_argument("--batch-size", type=int, default=settings.OUTBOX["BATCH_SIZE"])
        parser.add_argument(
            "--healthcheck",
            action="store_true",
            help="exit 0 if a relay on this host wrote a heartbeat in the last 30 s, else 1",
        )

    def handle(self, *args, **options):
        """Build the relay from settings and run it."""
        if options["healthcheck"]:
            fresh = RelayHeartbeat.objects.filter(
                service=settings.RIPPLE_SERVICE,
                relay_id__startswith=f"{socket.gethostname()}:",
                updated_at__gte=timezone.now() - timedelta(seconds=30),
            )
            if not fresh.exists():
                raise CommandError("no relay on this host wrote a heartbeat in the last 30 s")
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        relay_settings = RelaySettings.from_django_settings(options["batch_size"])
        publisher = publisher_for(settings.RIPPLE_SERVICE, settings.BROKER_URL)
        if options["once"]:
            relay = OutboxRelay(publisher, PollWakeup(stop), stop, relay_settings)
            publisher.connect()
            try:
                count = relay.drain()
            finally:
                publisher.close()
            self.stdout.write(f"published {count} events")
            return
        serve_relay(settings.RIPPLE_SERVICE)
        OutboxRelay(publisher, wakeup_for(stop), stop, relay_settings).run()
