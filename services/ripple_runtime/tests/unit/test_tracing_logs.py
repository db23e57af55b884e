"""Log records carry the service, the process role and the ids of the work in hand; JSON when asked.

Each test configures logging through the very dictConfig a service's settings use, writes real
records to stderr, reads the lines back and restores the logging configuration it found.
"""

from __future__ import annotations

import io
import json
import logging
import logging.config
from types import SimpleNamespace

import pytest
from celery import Celery
from django.core.exceptions import ImproperlyConfigured

from ripple_runtime.tracing import context, hooks, logs

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


@pytest.fixture
def json_lines(monkeypatch):
    """Configure `media`'s JSON logging for a worker; return a reader of the JSON lines written so far."""
    monkeypatch.setenv("RIPPLE_PROCESS_ROLE", "worker")
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    logging.config.dictConfig(logs.logging_config("media", "json", "INFO"))
    written = io.StringIO()
    [console] = [handler for handler in root.handlers if handler.name == "console"]
    console.setStream(written)  # the handler as configured, writing where the test reads

    def read(logger: str = "ripple.test") -> list[dict]:
        lines = written.getvalue().splitlines()
        written.seek(0)
        written.truncate()
        return [json.loads(line) for line in lines if f'"logger": "{logger}"' in line]

    yield read
    root.handlers[:], _ = saved[0], root.setLevel(saved[1])


def test_a_json_line_carries_every_field_and_null_for_ids_not_bound(json_lines):
    logging.getLogger("ripple.test").info("nothing bound")
    [line] = json_lines()
    assert line["message"] == "nothing bound"
    assert (line["service"], line["role"], line["level"], line["logger"]) == (
        "media",
        "worker",
        "INFO",
        "ripple.test",
    )
    assert {field: line[field] for field in context.FIELDS} == dict.fromkeys(context.FIELDS)
    assert "time" in line


def test_bound_ids_go_on_every_line_inside_the_block_and_leave_with_it(json_lines):
    log = logging.getLogger("ripple.test")
    with context.bound(correlation_id="req-1", trace_id=TRACE_ID):
        with context.bound(event_id="e-1", correlation_id=None):  # None keeps the outer one
            log.warning("inner")
        log.info("outer")
    log.info("after")
    inner, outer, after = json_lines()
    assert (inner["correlation_id"], inner["event_id"], inner["trace_id"]) == ("req-1", "e-1", TRACE_ID)
    assert (outer["correlation_id"], outer["event_id"]) == ("req-1", None)
    assert after["correlation_id"] is None


def test_an_id_passed_as_extra_wins_over_the_bound_one(json_lines):
    with context.bound(event_id="bound"):
        logging.getLogger("ripple.test").error("refused", extra={"event_id": "named"})
    assert json_lines()[0]["event_id"] == "named"


def test_the_consumer_hook_binds_an_events_ids_and_a_task_batch_only_the_ids_it_shares(json_lines):
    log = logging.getLogger("ripple.test")
    one = {
        "id": "e-1",
        "type": "catalog.product.deleted.v1",
        "correlationid": "req-1",
        "traceparent": TRACEPARENT,
    }
    other = {**one, "id": "e-2"}
    stranger = {"id": "e-3", "correlationid": "req-9", "traceparent": context.new_traceparent()}
    with hooks.receiving("media", one):
        log.info("received")
    with hooks.handling("media", one["type"], [one, other], attempt=1):
        log.info("same request")
    with hooks.handling("media", one["type"], [one, stranger], attempt=2):
        log.info("two requests")
    # receipts of one delete, each sent from its service's own span: one trace, other parent ids
    from_another_span = {**one, "id": "e-4", "traceparent": f"{TRACEPARENT[:36]}{'1' * 16}-01"}
    with hooks.handling("catalog", "ripple.receipt.v1", [one, from_another_span], attempt=1):
        log.info("one trace")
    received, same, mixed, one_trace = json_lines()
    assert (received["event_id"], received["correlation_id"], received["trace_id"]) == (
        "e-1",
        "req-1",
        TRACE_ID,
    )
    assert (same["event_id"], same["correlation_id"], same["trace_id"]) == (None, "req-1", TRACE_ID)
    assert (mixed["event_id"], mixed["correlation_id"], mixed["trace_id"]) == (None, None, None)
    assert (one_trace["correlation_id"], one_trace["trace_id"]) == ("req-1", TRACE_ID)


def test_the_delivery_hook_binds_the_events_ids_and_hands_its_trace_and_correlation_id_on(json_lines):
    payload = json.dumps({"id": "e-7", "correlationid": "req-7", "traceparent": TRACEPARENT})
    with hooks.delivering("webhook", payload):
        logging.getLogger("ripple.test").info("posting")
        headers = hooks.outgoing_headers()
    assert headers == {"traceparent": TRACEPARENT, "X-Correlation-ID": "req-7"}
    assert json_lines()[0]["event_id"] == "e-7"
    assert hooks.outgoing_headers() == {}


def test_celery_task_lines_carry_the_task_id_and_it_is_gone_after_the_task(json_lines):
    logs.connect_celery_signals()
    app = Celery("ripple-test", set_as_current=False)
    app.conf.task_always_eager = True
    log = logging.getLogger("ripple.test")

    @app.task(name="ripple.test.say")
    def say():
        log.info("inside the task")

    result = say.apply()
    log.info("after the task")
    inside, after = json_lines()
    assert inside["task_id"] == result.id
    assert after["task_id"] is None


def test_text_is_the_default_format_and_a_wrong_one_is_refused():
    config = logs.logging_config("catalog")
    assert config["formatters"]["line"] == {"format": logs.TEXT_FORMAT}
    assert logs.log_format("JSON") == "json"
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT must be one of text, json, not 'yaml'"):
        logs.logging_config("catalog", "yaml")


def test_traceparents_are_checked_and_a_new_one_starts_a_sampled_trace():
    fresh = context.new_traceparent()
    assert context.valid_traceparent(fresh) == fresh
    assert fresh.startswith("00-") and fresh.endswith("-01")
    assert context.trace_id_of(fresh) != context.trace_id_of(context.new_traceparent())
    assert context.valid_traceparent("00-" + "0" * 32 + "-b7ad6b7169203331-01") is None
    assert context.valid_traceparent("not a traceparent") is None
    assert context.trace_id_of(TRACEPARENT) == TRACE_ID


@pytest.mark.parametrize(("method", "level"), [("DELETE", "INFO"), ("GET", "DEBUG")])
def test_the_request_line_says_what_was_answered_writes_at_info_reads_at_debug(json_lines, method, level):
    logging.getLogger("ripple.requests").setLevel(logging.DEBUG)
    request = SimpleNamespace(
        method=method, path="/api/v1/products/1/", traceparent=None, correlation_id="req-1"
    )
    try:
        hooks.serve(request, lambda req: SimpleNamespace(status_code=204))
    finally:
        logging.getLogger("ripple.requests").setLevel(logging.NOTSET)
    [line] = json_lines(logger="ripple.requests")
    assert (line["level"], line["method"], line["status"], line["correlation_id"]) == (
        level,
        method,
        204,
        "req-1",
    )
    assert line["trace_id"] == context.trace_id_of(request.traceparent)  # the new trace the API started
