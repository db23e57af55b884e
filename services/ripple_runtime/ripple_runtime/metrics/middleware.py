"""The APIs' request metrics: a Django middleware, first in every API's list (service_settings.middleware).

Requests are labelled with the resolved route pattern (`api/v1/products/<int:pk>/`), never the
raw path, so the number of series stays bounded by the URL configuration; a request that
resolved to no view (a static file, a 404) is `unmatched`, and an unusual method `other`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from ripple_runtime import metrics

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    """Count and time every request by route pattern, method and status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        """Standard Django middleware construction; the service comes from settings.RIPPLE_SERVICE."""
        self.get_response = get_response
        self.service = settings.RIPPLE_SERVICE

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Answer the request, then record it."""
        if not metrics.ENABLED:
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.route if match is not None else "") or "unmatched"
        method = request.method if request.method in METHODS else "other"
        metrics.http_request(self.service, route, method, response.status_code, time.perf_counter() - started)
        return response
