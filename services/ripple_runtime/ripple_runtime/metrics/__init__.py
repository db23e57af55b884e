"""Ripple's Prometheus metrics: every name, and the one-line hooks the pipeline calls to record them.

Every metric is named `ripple_…` and labelled with the `service` it belongs to (README: metrics,
the one table of them). The relay, the consumer step, the tasks, the notifications' attempts and
the APIs' middleware each call one function here; nothing else in Ripple touches
prometheus_client. With METRICS_ENABLED=0 every hook returns at once (the overhead bench
compares both). Gauges that describe stored state (outbox backlog, ledger, dead-letter depth)
are not recorded here but computed when scraped (ripple_runtime.metrics.scrape), and each process
serves what its processes recorded on its own port (ripple_runtime.metrics.exposition).

Under ripple.sh every process records in multiprocess mode (PROMETHEUS_MULTIPROC_DIR, one
directory per process tree), so gunicorn's workers and Celery's prefork children add to what
their parent serves, and a child's counts outlive it.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter as Tally
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram

from shared_contracts.events import EVENT_MODELS

ENABLED = os.environ.get("METRICS_ENABLED", "1").strip().lower() not in ("0", "false", "no", "off")

# Seconds: a handler's batch or an HTTP request (milliseconds to tens of seconds).
FAST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Seconds from an event's time to its notification: retries take minutes.
DELIVERY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

RELAY_PUBLISHED = Counter(
    "ripple_relay_published", "Outbox events the broker confirmed.", ["service", "event_type"]
)
RELAY_FAILURES = Counter(
    "ripple_relay_publish_failures", "Outbox events the broker refused or left unconfirmed.", ["service"]
)
RELAY_CONFIRM_LATENCY = Histogram(
    "ripple_relay_confirm_latency_seconds",
    "Seconds from writing a batch to the broker until every message of it was confirmed or failed.",
    ["service"],
    buckets=FAST_BUCKETS,
)
RELAY_CONNECTED = Gauge(
    "ripple_relay_connected",
    "1 while a relay holds a connection to the broker.",
    ["service"],
    multiprocess_mode="livemax",
)
CONSUMER_EVENTS = Counter(
    "ripple_consumer_events",
    "Events the consumer step read, by outcome: accepted, ignored (a type it does not handle), "
    "invalid or unhandled_version (both dead-lettered).",
    ["service", "event_type", "outcome"],
)
DEAD_LETTERED = Counter(
    "ripple_events_dead_lettered",
    "Events sent to the service's dead-letter queue, by reason: invalid, unhandled_version, "
    "permanent (the handler refused it), gave_up (retries exhausted).",
    ["service", "event_type", "reason"],
)
HANDLER_DURATION = Histogram(
    "ripple_handler_duration_seconds",
    "Seconds one batch of events spent in its handler's transaction (inbox, handler, receipts).",
    ["service", "event_type"],
    buckets=FAST_BUCKETS,
)
INBOX_DUPLICATES = Counter(
    "ripple_inbox_duplicates_skipped",
    "Events the inbox had already seen, skipped without running the handler.",
    ["service", "event_type"],
)
EVENT_RETRIES = Counter(
    "ripple_event_retries",
    "Events whose task was scheduled to run again after a failure.",
    ["service", "event_type"],
)
NOTIFICATION_ATTEMPTS = Counter(
    "ripple_notification_attempts",
    "Webhook and e-mail delivery attempts, by outcome (succeeded, retrying, failed, disabled) and "
    "HTTP status class (2xx…5xx; none without an answer).",
    ["service", "channel", "outcome", "status_class"],
)
NOTIFICATION_LATENCY = Histogram(
    "ripple_notification_delivery_latency_seconds",
    "Seconds from the event's time to its successful delivery.",
    ["service", "channel"],
    buckets=DELIVERY_BUCKETS,
)
HTTP_REQUESTS = Counter(
    "ripple_http_requests",
    "API requests by route pattern (never the raw path), method and status code.",
    ["service", "route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "ripple_http_request_duration_seconds",
    "Seconds to answer an API request, by route pattern and method.",
    ["service", "route", "method"],
    buckets=FAST_BUCKETS,
)

# Gauges of stored state, computed at scrape time (ripple_runtime.metrics.scrape, the catalog's
# ledger.metrics), each with the `service` label: name -> meaning.
STATE_GAUGES = {
    "ripple_outbox_pending_rows": "Outbox rows waiting to be published.",
    "ripple_outbox_parked_rows": "Outbox rows parked after their last refused attempt (re-send them).",
    "ripple_outbox_oldest_pending_age_seconds": "Age of the oldest pending outbox row (0 when none waits).",
    "ripple_dead_letter_queue_depth": "Messages in the service's dead-letter queue.",
    "ripple_ledger_open_deletions": "Deletions still pending in the ledger.",
    "ripple_ledger_oldest_pending_age_seconds": "Age of the oldest pending deletion (0 when none is open).",
}


def exposed() -> dict[str, str]:
    """Every `ripple_` metric as a scrape names it (a counter ends in `_total`) and its type."""
    from prometheus_client import REGISTRY

    found = {name: "gauge" for name in STATE_GAUGES}
    for family in REGISTRY.collect():
        if family.name.startswith("ripple_"):
            found[family.name + ("_total" if family.type == "counter" else "")] = family.type
    return found


def known_type(event_type: object) -> str:
    """The event type as a label: a type of the contracts, else `other` (so labels stay few)."""
    return event_type if isinstance(event_type, str) and event_type in EVENT_MODELS else "other"


def relay_connected(service: str, connected: bool) -> None:
    """The relay of `service` connected to the broker, or lost it."""
    if ENABLED:
        RELAY_CONNECTED.labels(service).set(1 if connected else 0)


def relay_settled(service: str, rows: Iterable, failed: Mapping[str, str], seconds: float) -> None:
    """A relay's batch settled: its claimed rows, the event ids that failed, seconds since it was sent."""
    if not ENABLED:
        return
    confirmed = Tally(row.event_type for row in rows if not failed or str(row.event_id) not in failed)
    for event_type, count in confirmed.items():
        RELAY_PUBLISHED.labels(service, event_type).inc(count)
    if failed:
        RELAY_FAILURES.labels(service).inc(len(failed))
    RELAY_CONFIRM_LATENCY.labels(service).observe(seconds)


def consumer_event(service: str, event_type: str | None, outcome: str) -> None:
    """The consumer step accepted, ignored or dead-lettered (`invalid`, `unhandled version`) one event."""
    if not ENABLED:
        return
    outcome = outcome.replace(" ", "_")
    CONSUMER_EVENTS.labels(service, known_type(event_type), outcome).inc()
    if outcome not in ("accepted", "ignored"):  # the step dead-lettered it
        dead_lettered(service, event_type, outcome)


def consumer_accepted(service: str, event_types: Iterable[str]) -> None:
    """The consumer step handed these events (by type) to their tasks."""
    if not ENABLED:
        return
    for event_type, count in Tally(event_types).items():
        CONSUMER_EVENTS.labels(service, event_type, "accepted").inc(count)


@contextmanager
def handling(service: str, event_type: str) -> Iterator[None]:
    """Time one batch in its handler's transaction (also when it raises)."""
    if not ENABLED:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        HANDLER_DURATION.labels(service, event_type).observe(time.perf_counter() - started)


def inbox_skipped(service: str, event_type: str, count: int) -> None:
    """The inbox had already seen `count` events of a batch: their handler did not run again."""
    if ENABLED and count:
        INBOX_DUPLICATES.labels(service, event_type).inc(count)


def events_retried(service: str, event_type: str, count: int) -> None:
    """`count` events failed and their task was scheduled to run again."""
    if ENABLED and count:
        EVENT_RETRIES.labels(service, event_type).inc(count)


def dead_lettered(service: str, event_type: str | None, reason: str) -> None:
    """A task dead-lettered one event, for one of three reasons.

    `permanent`: its handler refused it; `gave_up`: no retry left; `worker_lost`: workers died
    on its task message as often as the queue allows.
    """
    if ENABLED:
        DEAD_LETTERED.labels(service, known_type(event_type), reason).inc()


def status_class(status_code: int | None) -> str:
    """`2xx` … `5xx` of an HTTP status code, `none` without one (a timeout, a refused connection, e-mail)."""
    return f"{status_code // 100}xx" if status_code else "none"


def notification_attempt(
    channel: str, outcome: str, status_code: int | None, payload: str, attempted_at: datetime
) -> None:
    """One delivery attempt of the notifications service; a success also observes its latency.

    The latency runs from the event's own `time` (in the delivery's payload) to the attempt.
    """
    if not ENABLED:
        return
    NOTIFICATION_ATTEMPTS.labels("notifications", channel, outcome, status_class(status_code)).inc()
    if outcome != "succeeded":
        return
    try:
        event_time = datetime.fromisoformat(json.loads(payload)["time"])
    except (ValueError, KeyError, TypeError):
        return
    seconds = (attempted_at - event_time).total_seconds()
    NOTIFICATION_LATENCY.labels("notifications", channel).observe(max(seconds, 0.0))


def http_request(service: str, route: str, method: str, status: int, seconds: float) -> None:
    """One API request answered: its route pattern, method, status and duration."""
    if not ENABLED:
        return
    HTTP_REQUESTS.labels(service, route, method, str(status)).inc()
    HTTP_DURATION.labels(service, route, method).observe(seconds)
