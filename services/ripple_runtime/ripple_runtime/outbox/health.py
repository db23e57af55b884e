"""What /readyz says about a service's outbox: its backlog, its parked rows, the relays that publish it.

A parked row (refused by the broker OUTBOX_MAX_ATTEMPTS times) makes the check not ok until it is
re-sent (`manage.py outbox resend`, or the admin's action): an event nobody will publish on their own.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ripple_runtime.outbox.models import OutboxEvent, RelayHeartbeat

RELAY_STALE_AFTER = timedelta(seconds=30)


def outbox_check() -> dict:
    """How much of this service's outbox waits to be published, how old it is, what is parked, who relays."""
    service = settings.RIPPLE_SERVICE
    unpublished = OutboxEvent.objects.filter(service=service, published_at__isnull=True)
    pending = unpublished.filter(parked_at__isnull=True)
    parked = unpublished.filter(parked_at__isnull=False)
    last = parked.order_by("-parked_at").values("event_id", "last_error").first()
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
        "parked": parked.count(),
        "last_parked": {**last, "event_id": str(last["event_id"])} if last else None,
        "ok": age < settings.OUTBOX["BACKLOG_WARNING_SECONDS"] and not last,
        "relays": relays,
    }
