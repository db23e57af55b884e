"""`/healthz` (the process answers) and `/readyz` (database and broker reachable, deliveries backlog)."""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from notifications.deliveries import OPEN_STATUSES
from notifications.models import Delivery
from ripple_runtime.web.health import broker_check, database_unavailable, healthz

__all__ = ["healthz", "readyz"]


@never_cache
def readyz(request):
    """Ready: 503 without a database; `degraded` while the broker is unreachable."""
    try:
        open_deliveries = Delivery.objects.filter(status__in=OPEN_STATUSES).count()
    except DatabaseError as exc:
        return database_unavailable(exc)
    broker = broker_check(settings.BROKER_URL)
    return JsonResponse(
        {
            "status": "ok" if broker["ok"] else "degraded",
            "database": {"ok": True},
            "broker": broker,
            "deliveries": {"open": open_deliveries},
        }
    )
