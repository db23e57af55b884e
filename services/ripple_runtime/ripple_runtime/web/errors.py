"""Every error an API returns is JSON with a clear message, including Django's own 404 and 500."""

from __future__ import annotations

from django.http import JsonResponse
from rest_framework.views import exception_handler


def json_exception_handler(exc, context):
    """DRF's handler, with a top-level `detail` on every error body so clients find the message."""
    response = exception_handler(exc, context)
    if response is not None and not (isinstance(response.data, dict) and "detail" in response.data):
        response.data = {"detail": "Invalid input.", "errors": response.data}
    return response


def not_found(request, exception=None):
    """JSON 404 for URLs no view matches (non-numeric ids, unknown paths)."""
    return JsonResponse({"detail": "Not found."}, status=404)


def server_error(request):
    """JSON 500; the traceback goes to the log, never to the client."""
    return JsonResponse({"detail": "Internal server error."}, status=500)


def bad_request(request, exception=None):
    """JSON 400 for requests Django refuses before any view (bad host, malformed multipart)."""
    return JsonResponse({"detail": "Bad request."}, status=400)


def permission_denied(request, exception=None):
    """JSON 403 for Django-level refusals (e.g. CSRF)."""
    return JsonResponse({"detail": "Permission denied."}, status=403)
