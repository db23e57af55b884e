"""Who is asking and which request this is: read by the event recorder to stamp every event."""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ripple_runtime.tracing import context, hooks

CORRELATION_HEADER = "X-Correlation-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "ripple_current_request", default=None
)


class RequestContextMiddleware:
    """Give each request a correlation id (the caller's, if well-formed) and expose the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        """Standard Django middleware construction."""
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Remember the request for the duration of the call and echo the correlation id."""
        incoming = request.headers.get(CORRELATION_HEADER, "")
        request.correlation_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        traceparent = request.headers.get("traceparent", "")
        request.traceparent = traceparent if _TRACEPARENT.match(traceparent) else None
        token = _current_request.set(request)
        try:
            response = hooks.serve(request, self.get_response)  # log ids, trace (a new one if none came)
        finally:
            _current_request.reset(token)
        response[CORRELATION_HEADER] = request.correlation_id
        return response


def current_request() -> HttpRequest | None:
    """The request being served on this thread, or None outside a request."""
    return _current_request.get()


def current_user():
    """The authenticated user of the current request, or None (also for anonymous callers)."""
    request = current_request()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def current_correlation_id() -> str | None:
    """The correlation id of the current request, or None outside a request."""
    return getattr(current_request(), "correlation_id", None)


def current_traceparent() -> str | None:
    """The W3C traceparent to hand on: the request's, else that of the work in hand.

    A request's is the API span's, else the caller's, else a new trace's; outside a request, a
    task that handles receipts continues their trace (a deletion's outcome event does so).
    """
    request = current_request()
    if request is not None:
        return getattr(request, "traceparent", None)
    return context.current().get("traceparent")
