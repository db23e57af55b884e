"""`/healthz` (the process answers) and `/readyz` (the database and the index table answer)."""

from __future__ import annotations

from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from ripple_runtime.web.health import database_unavailable, healthz
from search.models import SearchDocument

__all__ = ["healthz", "readyz"]


@never_cache
def readyz(request):
    """Ready: the database answers and the index is migrated; 503 otherwise."""
    try:
        SearchDocument.objects.exists()
    except DatabaseError as exc:
        return database_unavailable(exc)
    return JsonResponse({"status": "ok", "database": {"ok": True}})
