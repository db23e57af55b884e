"""What /readyz says about a service's outbox: its backlog and the relays that publish it."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ripple_runtime.outbox.models import OutboxEvent, RelayHeartbeat

RELAY_STALE_AFTER = timedelta(seconds=30)


def outbox_check() -> dict:
    """How much of this service's outbox waits to be published, how old it is, which relays are alive."""
    service = settings.RIPPLE_SERVICE
    pending = OutboxEvent.objects.filter(service=service, published_at__isnull=True)
    oldest = pending.order_by("id").values_list("created_at", flat=True).first()
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    alive = RelayHeartbeat.objects.filter(service=service, updated_at__gte=timezone.now() - RELAY_STALE_AFTER)
    relays = [
        {
            "relay": beat.relay_id,
            "broker_connected": beat.broker_connected,
            "last_error": beat.last_error,
            "seen_seconds_ago": round((timezone.now() - beat.updated_at).total_seconds(), 1),
        }
        for beat in alive
    ]
    return {
        "pending": pending.count(),
        "oldest_pending_seconds": round(age, 3),
        "ok": age < settings.OUTBOX["BACKLOG_WARNING_SECONDS"],
        "relays": relays,
    }
