"""`/healthz` (the process answers) and `/readyz` (database, broker, outbox backlog, relays)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from kombu import Connection

from outbox.models import OutboxEvent, RelayHeartbeat

RELAY_STALE_AFTER = timedelta(seconds=30)


@never_cache
def healthz(request):
    """Alive: the process serves requests."""
    return JsonResponse({"status": "ok"})


def _broker_check() -> dict:
    """Can this process open an AMQP connection right now?"""
    try:
        with Connection(settings.BROKER_URL, connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
        return {"ok": True}
    except Exception as exc:  # any failure to connect is the answer, not a crash
        return {"ok": False, "error": str(exc)[:300]}


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
        return JsonResponse(
            {"status": "unavailable", "database": {"ok": False, "error": str(exc)[:300]}},
            status=503,
        )
    broker = _broker_check()
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
