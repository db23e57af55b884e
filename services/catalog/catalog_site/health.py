"""`/healthz` (the process answers) and `/readyz` (database, broker, outbox backlog, relays)."""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from ripple_runtime.outbox.health import outbox_check
from ripple_runtime.web.health import broker_check, database_unavailable, healthz

__all__ = ["healthz", "readyz"]


@never_cache
def readyz(request):
    """Ready: 503 without a database; 200 with `degraded` while events cannot flow (deletes still work)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        outbox = outbox_check()
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
