"""`/healthz` (the process answers) and `/readyz` (the database and the index table answer)."""

from __future__ import annotations

from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from search.models import SearchDocument


@never_cache
def healthz(request):
    """Alive: the process serves requests."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Ready: the database answers and the index is migrated; 503 otherwise."""
    try:
        SearchDocument.objects.exists()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "unavailable", "database": {"ok": False, "error": str(exc)[:300]}}, status=503
        )
    return JsonResponse({"status": "ok", "database": {"ok": True}})
