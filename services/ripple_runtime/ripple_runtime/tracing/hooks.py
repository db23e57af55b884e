"""The one call each place a delete passes makes: its ids go on the log lines, its trace goes on.

- `serve`: the request middleware (catalog.request_context) serves a request inside it: the
  request's correlation id and trace (the caller's traceparent, else a new trace) are bound,
  an API span is made when tracing is on, and one log line says what was answered (INFO for
  writes, DEBUG for reads).
- `publishing`: the relay writes a batch inside it: one producer span per event, child of the
  traceparent its outbox row carries (only when tracing is on; the relay's fast path pays nothing else).
- `receiving`: the consumer step handles one event message inside it.
- `handling`: every event task runs inside it (each retry too, from the events it retries with).
- `delivering` and `outgoing_headers`: notifications tries a delivery inside the first, and its
  webhook carries the second (`traceparent`, `X-Correlation-ID`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ripple_runtime.tracing import context, spans

CORRELATION_HEADER = "X-Correlation-ID"
MAX_LINKS = 32
# Reads are logged at DEBUG: health checks poll every second, and gunicorn's access log has them.
READS = frozenset({"GET", "HEAD", "OPTIONS"})
NAMED_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
request_log = logging.getLogger("ripple.requests")
task_log = logging.getLogger("ripple.tasks")


def serve(request: Any, get_response: Callable[[Any], Any]) -> Any:
    """Answer a request (its `correlation_id` and `traceparent` already read) under its ids and trace.

    `request.traceparent` becomes the one to hand on: the API span's with tracing on, else the
    caller's, else a new trace's, so that every delete's events carry one.
    """
    started = time.perf_counter()
    name = f"{request.method} {request.path}"
    with spans.span(name, request.traceparent, "server", {"http.request.method": request.method}) as current:
        request.traceparent = current or context.new_traceparent()
        ids = {"correlation_id": request.correlation_id, "traceparent": request.traceparent}
        with context.bound(**ids, trace_id=context.trace_id_of(request.traceparent)):
            response = get_response(request)
            route = getattr(getattr(request, "resolver_match", None), "route", None)
            if route:
                spans.rename_current(f"{request.method} {route_template(route)}")
            request_log.log(
                logging.DEBUG if request.method in READS else logging.INFO,
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
    return response


def route_template(route: str) -> str:
    """A URL pattern as a span name: `api/v1/products/(?P<pk>[0-9]+)/$` → `/api/v1/products/{pk}/`."""
    return "/" + NAMED_GROUP.sub(r"{\1}", route).lstrip("^").rstrip("$")


@contextlib.contextmanager
def publishing(rows: Sequence[Any]) -> Iterator[None]:
    """The relay writes these outbox rows meanwhile: one producer span each, when tracing is on."""
    if not spans.enabled() or not rows:
        yield
        return
    tracer = spans.tracer()
    started = []
    for row in rows:
        try:
            traceparent = context.valid_traceparent(json.loads(row.body).get("traceparent"))
        except (ValueError, AttributeError):
            traceparent = None
        started.append(
            tracer.start_span(
                f"publish {row.event_type}",
                context=spans.parent_context(traceparent),
                kind=spans.span_kind("producer"),
                attributes={
                    "messaging.system": "rabbitmq",
                    "messaging.message.id": str(row.event_id),
                    "messaging.rabbitmq.destination.routing_key": row.routing_key,
                    "ripple.correlation_id": row.correlation_id or "",
                },
            )
        )
    try:
        yield
    finally:
        for span in started:
            span.end()


def receiving(service: str, raw: dict) -> contextlib.AbstractContextManager[None]:
    """The consumer step handles this raw event meanwhile: its ids on every line, a consumer span.

    Without tracing this is one bind and unbind: it runs for every event message.
    """
    ids = context.event_ids(raw)
    if not spans.enabled():
        return context.Bound(ids)
    return _received_span(raw, ids)


@contextlib.contextmanager
def _received_span(raw: dict, ids: dict[str, str | None]) -> Iterator[None]:
    """`receiving` with tracing on: the consumer span, and its traceparent bound for the next hop."""
    attributes = {"messaging.system": "rabbitmq", "messaging.message.id": ids["event_id"] or ""}
    with (
        spans.span(f"receive {raw.get('type')}", ids["traceparent"], "consumer", attributes) as current,
        context.bound(**{**ids, "traceparent": current}),
    ):
        yield


@contextlib.contextmanager
def handling(service: str, event_type: str, events: Sequence[Any], attempt: int) -> Iterator[None]:
    """A task handles these events meanwhile (its `attempt`, 1 and up): the ids they share, a span.

    The span is the child of the first event's traceparent and links to the others' traces. One
    line says the batch was handled (a failure says so itself, from inside).
    """
    started = time.perf_counter()
    ids = context.batch_ids(events)
    first, links = ids["traceparent"], ()
    if spans.enabled() and first is None:  # a mixed batch: child of the first trace, linked to the others
        distinct = dict.fromkeys(context.attribute(event, "traceparent") for event in events)
        traceparents = [tp for tp in map(context.valid_traceparent, distinct) if tp]
        first, links = (traceparents[0], traceparents[1 : MAX_LINKS + 1]) if traceparents else (None, ())
    attributes = {"ripple.service": service, "ripple.events": len(events), "ripple.attempt": attempt}
    with (
        spans.span(f"process {event_type}", first, "consumer", attributes, links) as current,
        context.bound(**{**ids, "traceparent": current if ids["trace_id"] else None}),
    ):
        yield
        task_log.info(
            "%s handled %d %s events (attempt %d) in %.1f ms",
            service,
            len(events),
            event_type,
            attempt,
            (time.perf_counter() - started) * 1000,
        )


@contextlib.contextmanager
def delivering(channel: str, payload: str) -> Iterator[None]:
    """Notifications tries one delivery of this event (its JSON) meanwhile: its ids, a client span."""
    try:
        event = json.loads(payload)
    except ValueError:
        event = {}
    event = event if isinstance(event, dict) else {}
    ids = context.event_ids(event)
    with (
        spans.span(f"deliver {channel}", ids["traceparent"], "client", {"ripple.channel": channel}) as sent,
        context.bound(**{**ids, "traceparent": sent}),
    ):
        yield


def outgoing_headers() -> dict[str, str]:
    """The headers that carry the current trace and correlation id to the next hop (a webhook)."""
    ids = context.current()
    headers = {}
    if ids.get("traceparent"):
        headers["traceparent"] = ids["traceparent"]
    if ids.get("correlation_id"):
        headers[CORRELATION_HEADER] = ids["correlation_id"]
    return headers
