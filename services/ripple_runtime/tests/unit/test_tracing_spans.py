"""Spans follow one delete through every hook, and without an OTLP endpoint nothing is even imported.

The SDK is set up with its own InMemorySpanExporter (`spans.setup(exporter=…)`), so every finished
span of the hooks is read back in the test; the end-to-end trace across real processes is
tests_e2e/test_observability.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import NamedTuple

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from ripple_runtime.tracing import context, hooks, spans


class OutboxRow(NamedTuple):
    """The fields of an outbox row the relay's hook reads (ripple_runtime.outbox.claims.ClaimedRow)."""

    id: int
    event_id: str
    event_type: str
    routing_key: str
    body: str
    correlation_id: str


class AnsweredRequest:
    """A request as the catalog's middleware hands it on: its ids already read from the headers."""

    method, path, resolver_match = "DELETE", "/api/v1/products/1/", None

    def __init__(self, traceparent: str | None):
        """A request that came with this traceparent (or none) and the correlation id `req-1`."""
        self.traceparent = traceparent
        self.correlation_id = "req-1"


class Answer:
    """What a view answers: only the status is read."""

    status_code = 204


@pytest.fixture
def exported():
    """The SDK set up for `catalog-api` with an in-memory exporter; torn down after the test."""
    exporter = InMemorySpanExporter()
    spans.setup(exporter, service="catalog", role="api")
    yield exporter
    spans.reset()


def test_one_delete_makes_one_trace_from_the_api_through_the_relay_consumer_task_and_webhook(exported):
    request = AnsweredRequest(traceparent=None)
    hooks.serve(request, lambda req: Answer())
    event = {"id": "e-1", "type": "catalog.product.deleted.v1", "correlationid": "req-1"}
    event["traceparent"] = request.traceparent  # as catalog.events stamps it into the outbox row
    row = OutboxRow(1, "e-1", event["type"], "catalog.product.deleted", json.dumps(event), "req-1")
    with hooks.publishing([row]):
        pass
    with hooks.receiving("notifications", event):
        pass
    with hooks.handling("notifications", event["type"], [event], attempt=1):
        pass
    with hooks.delivering("webhook", json.dumps(event)):
        headers = hooks.outgoing_headers()

    finished = {span.name: span for span in exported.get_finished_spans()}
    api = finished["DELETE /api/v1/products/1/"]
    assert set(finished) == {
        api.name,
        "publish catalog.product.deleted.v1",
        "receive catalog.product.deleted.v1",
        "process catalog.product.deleted.v1",
        "deliver webhook",
    }
    assert {span.context.trace_id for span in finished.values()} == {api.context.trace_id}
    assert api.parent is None and api.kind is SpanKind.SERVER
    assert api.resource.attributes["service.name"] == "catalog-api"
    for name in ("publish", "receive", "process"):  # each a child of the API span the event names
        assert finished[f"{name} catalog.product.deleted.v1"].parent.span_id == api.context.span_id
    deliver = finished["deliver webhook"]
    # the flags say sampled (and, from this SDK, a random trace id): what matters is trace and span
    assert request.traceparent.startswith(f"00-{api.context.trace_id:032x}-{api.context.span_id:016x}-")
    assert headers["traceparent"].startswith(
        f"00-{deliver.context.trace_id:032x}-{deliver.context.span_id:016x}-"
    )
    assert headers["X-Correlation-ID"] == "req-1"


def test_the_api_continues_the_callers_trace(exported):
    caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    request = AnsweredRequest(traceparent=caller)
    hooks.serve(request, lambda req: Answer())
    [api] = exported.get_finished_spans()
    assert f"{api.context.trace_id:032x}" == "0af7651916cd43dd8448eb211c80319c"
    assert f"{api.parent.span_id:016x}" == "b7ad6b7169203331"


def test_the_api_span_is_named_by_its_route_once_routed(exported):
    request = AnsweredRequest(traceparent=None)
    request.resolver_match = type("Match", (), {"route": "api/v1/products/(?P<pk>[0-9]+)/$"})()
    hooks.serve(request, lambda req: Answer())
    assert [span.name for span in exported.get_finished_spans()] == ["DELETE /api/v1/products/{pk}/"]
    assert hooks.route_template("api/v1/media/<int:pk>/") == "/api/v1/media/<int:pk>/"


def test_a_task_of_events_from_two_traces_is_a_child_of_the_first_and_links_the_other(exported):
    first = {"id": "e-1", "traceparent": context.new_traceparent()}
    second = {"id": "e-2", "traceparent": context.new_traceparent()}
    with hooks.handling("search", "catalog.product.deleted.v1", [first, second], attempt=2):
        pass
    [task] = exported.get_finished_spans()
    assert f"{task.context.trace_id:032x}" == context.trace_id_of(first["traceparent"])
    assert [f"{link.context.trace_id:032x}" for link in task.links] == [
        context.trace_id_of(second["traceparent"])
    ]
    assert task.attributes["ripple.attempt"] == 2


def test_without_an_endpoint_no_opentelemetry_module_is_imported_and_the_trace_still_goes_on():
    """In a fresh interpreter without OTEL_EXPORTER_OTLP_ENDPOINT, every hook runs and imports no SDK."""
    script = """
import json, sys
from ripple_runtime.tracing import hooks, spans

class Request:
    method, path, resolver_match, traceparent, correlation_id = "DELETE", "/p/1/", None, None, "req-1"

class Answer:
    status_code = 204

request = Request()
hooks.serve(request, lambda r: Answer())
event = {"id": "e-1", "type": "t.v1", "traceparent": request.traceparent, "correlationid": "req-1"}
with hooks.publishing([]), hooks.receiving("media", event), hooks.handling("media", "t.v1", [event], 1):
    pass
with hooks.delivering("webhook", json.dumps(event)):
    headers = hooks.outgoing_headers()
loaded = sorted(name for name in sys.modules if name.startswith("opentelemetry"))
seen = {"enabled": spans.enabled(), "loaded": loaded, "sent": headers, "traceparent": request.traceparent}
print(json.dumps(seen))
"""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["enabled"] is False
    assert seen["loaded"] == []
    assert context.valid_traceparent(seen["traceparent"])  # a new trace started at the API
    assert seen["sent"] == {"traceparent": seen["traceparent"], "X-Correlation-ID": "req-1"}
