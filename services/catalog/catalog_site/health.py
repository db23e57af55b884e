"""`/healthz` (the process answers) and `/readyz` (database, broker, outbox backlog, relays)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from outbox.models import OutboxEvent, RelayHeartbeat
from shared_contracts.web.health import broker_check, database_unavailable, healthz

__all__ = ["healthz", "readyz"]

RELAY_STALE_AFTER = timedelta(seconds=30)


def _outbox_check() -> dict:
    """How much is waiting to be published, and how old the oldest waiting event is."""
    pending = OutboxEvent.objects.filter(published_at__isnull=True)
    oldest = pending.order_by("id").values_list("created_at", flat=True).first()
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    relays = [
        {
            "relay": beat.relay_id,
            "broker_connected": beat.broker_connected,
            "last_error": beat.last_error,
            "seen_seconds_ago": round((timezone.now() - beat.updated_at).total_seconds(), 1),
        }
        for beat in RelayHeartbeat.objects.filter(updated_at__gte=timezone.now() - RELAY_STALE_AFTER)
    ]
    return {
        "pending": pending.count(),
        "oldest_pending_seconds": round(age, 3),
        "ok": age < settings.OUTBOX["BACKLOG_WARNING_SECONDS"],
        "relays": relays,
    }


@never_cache
def readyz(request):
    """Ready: 503 without a database; 200 with `degraded` while events cannot flow (deletes still work)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        outbox = _outbox_check()
    except DatabaseError as exc:
        return database_unavailable(exc)
    broker = broker_check(settings.BROKER_URL)
    relays_ok = any(r["broker_connected"] for r in outbox["relays"])
    healthy = broker["ok"] and outbox["ok"] and relays_ok
    return JsonResponse(
        {
            "status": "ok" if healthy else "degraded",
            "database": {"ok": True},
            "broker": broker,
            "outbox": outbox,
        }
    )
