"""Health endpoints every API shares: `/healthz` and the checks `/readyz` is built from."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection


@never_cache
def healthz(request):
    """Alive: the process serves requests."""
    return JsonResponse({"status": "ok"})


def broker_check(broker_url: str) -> dict:
    """Can this process open an AMQP connection right now? `{"ok": …, "error": …}`."""
    try:
        with Connection(broker_url, connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
        return {"ok": True}
    except Exception as exc:  # any failure to connect is the answer, not a crash
        return {"ok": False, "error": str(exc)[:300]}


def database_unavailable(exc: Exception) -> JsonResponse:
    """The 503 every /readyz answers when its database does not."""
    return JsonResponse(
        {"status": "unavailable", "database": {"ok": False, "error": str(exc)[:300]}}, status=503
    )
