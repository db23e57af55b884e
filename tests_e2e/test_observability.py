"""One delete, followed by its ids: JSON log lines of every service, the webhook's headers, one trace.

The whole system runs as real processes (`make dev`, deploy/Procfile through ripple.sh) with
LOG_FORMAT=json and OTEL_EXPORTER_OTLP_ENDPOINT pointing at a real OTLP/HTTP receiver of this
test (tests_e2e.otlp). Each process exports its own spans with the OpenTelemetry SDK's OTLP
exporter, as it would to a collector; the receiver decodes them with opentelemetry-proto, so the
trace below is assembled from what the API, the relay and each consumer really sent. (The same
chain in one process, read with the SDK's InMemorySpanExporter, is
services/ripple_runtime/tests/unit/test_tracing_spans.py.)

The DELETE carries a correlation id and a traceparent of the test's own: the API's log line of
it, a line of each of media, search and notifications, the webhook's headers and every span must
carry that correlation id and that trace.
"""

from __future__ import annotations

import json
import re

import pytest

from ripple_testing.processes import wait_until
from ripple_testing.servers import WebhookReceiver
from tests_e2e.flow import delete_ripples_everywhere
from tests_e2e.otlp import OtlpReceiver
from tests_e2e.system import running_dev_system

CORRELATION_ID = "trace-test-7f3a"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN_ID}-01"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SPAN_KIND_SERVER, SPAN_KIND_CLIENT, SPAN_KIND_PRODUCER, SPAN_KIND_CONSUMER = 2, 3, 4, 5


@pytest.fixture(scope="module")
def receivers():
    """A webhook receiver and an OTLP/HTTP trace receiver, both real HTTP servers."""
    webhook, otlp = WebhookReceiver().start(), OtlpReceiver().start()
    yield webhook, otlp
    webhook.stop()
    otlp.stop()


@pytest.fixture(scope="module")
def system(tmp_path_factory, receivers):
    """`make dev` logging JSON and exporting spans to the test's receiver; Ctrl-C at the end."""
    settings = {
        "LOG_FORMAT": "json",
        "OTEL_EXPORTER_OTLP_ENDPOINT": receivers[1].endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "200",  # export within a fraction of a second, not 5 s
    }
    with running_dev_system(tmp_path_factory.mktemp("observability"), settings) as dev:
        yield dev


def json_lines(log: str) -> list[dict]:
    """The JSON log lines of every process, from honcho's `time name | line` output."""
    found = []
    for line in ANSI.sub("", log).splitlines():
        _, bar, rest = line.partition("| ")
        if bar and rest.startswith("{"):
            try:
                found.append(json.loads(rest))
            except ValueError:
                continue
    return found


def test_one_correlation_id_and_one_trace_link_the_api_every_service_and_the_webhook(system, receivers):
    webhook, otlp = receivers
    delete_ripples_everywhere(
        system, webhook, {"X-Correlation-ID": CORRELATION_ID, "traceparent": TRACEPARENT}
    )

    def lines_of_the_delete() -> dict[str, list[dict]]:
        by_service: dict[str, list[dict]] = {}
        for line in json_lines(system.process.log()):
            if line.get("correlation_id") == CORRELATION_ID:
                by_service.setdefault(line["service"], []).append(line)
        return by_service

    lines = wait_until(
        lambda: (
            (found := lines_of_the_delete()).keys() >= {"catalog", "media", "search", "notifications"}
            and found
        ),
        what="a JSON log line of the delete from every service",
    )
    [api_line] = [line for line in lines["catalog"] if line["logger"] == "ripple.requests"]
    assert api_line["method"] == "DELETE" and api_line["status"] == 204 and api_line["role"] == "api"
    assert api_line["trace_id"] == TRACE_ID
    for service in ("media", "search", "notifications"):
        handled = [line for line in lines[service] if line["logger"] == "ripple.tasks"]
        assert handled, f"{service}: no task line of the delete in {lines[service]}"
        for line in handled:
            assert (line["role"], line["trace_id"], line["level"]) == ("worker", TRACE_ID, "INFO")
            assert line["task_id"] and line["message"].startswith(f"{service} handled ")
    every_line = json_lines(system.process.log())
    assert {
        "time",
        "level",
        "logger",
        "message",
        "service",
        "role",
        "event_id",
        "task_id",
        "trace_id",
    } <= set(every_line[-1])
    # Celery's own lines go through the same JSON handler, with the task's id
    celery_done = [line for line in every_line if line["logger"] == "celery.app.trace" and line["task_id"]]
    assert any(line["service"] == "media" for line in celery_done)

    [request] = webhook.received("/hook")
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["x-correlation-id"] == CORRELATION_ID
    assert headers["traceparent"].split("-")[1] == TRACE_ID

    consumers = {f"{service}-worker" for service in ("media", "search", "notifications")}
    expected = {"catalog-api", "catalog-relay", *consumers}

    def spans_of_the_delete():
        spans = otlp.of_trace(TRACE_ID)
        exported = {span.span_id for span in spans}
        outcome = [span for span in spans if span.name == "publish catalog.deletion.completed.v1"]
        return (
            {span.service for span in spans} >= expected
            and any(span.name == "deliver webhook" for span in spans)
            # each process exports on its own schedule: the outcome's parent may come after it
            and outcome
            and all(span.parent_span_id in exported for span in outcome)
            and spans
        )

    spans = wait_until(
        spans_of_the_delete, what="spans of the delete from the API, the relay and each consumer"
    )
    [api_span] = [span for span in spans if span.service == "catalog-api" and span.kind == SPAN_KIND_SERVER]
    assert api_span.name == "DELETE /api/v1/products/{pk}/"
    assert api_span.parent_span_id == CALLER_SPAN_ID  # the caller's trace, continued
    published = [
        span for span in spans if span.service == "catalog-relay" and span.kind == SPAN_KIND_PRODUCER
    ]
    assert sorted(span.name for span in published) == [
        "publish catalog.deletion.completed.v1",
        "publish catalog.product.deleted.v1",
    ]
    by_id = {span.span_id: span for span in spans}
    for span in published:  # the delete's event from the API; its outcome from the receipts' task
        parent = by_id[span.parent_span_id]
        if span.name == "publish catalog.product.deleted.v1":
            assert parent is api_span
        else:
            assert (parent.service, parent.name) == ("catalog-worker", "process ripple.receipt.v1")
    for service in consumers:
        names = {span.name for span in spans if span.service == service and span.kind == SPAN_KIND_CONSUMER}
        assert any(name.startswith("receive ") for name in names), (service, names)
        assert any(name.startswith("process ") for name in names), (service, names)
    # the webhook is the child of its delivery's span (a delivery the requeue step ran again after
    # the first attempt had already sent it has a span of its own, and sends nothing)
    [deliver] = [
        span
        for span in spans
        if span.name == "deliver webhook" and span.span_id == headers["traceparent"].split("-")[2]
    ]
    assert deliver.kind == SPAN_KIND_CLIENT and deliver.service == "notifications-worker"
