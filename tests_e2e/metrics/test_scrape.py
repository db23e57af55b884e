"""Every process's `/metrics`, parsed by prometheus_client, says what the run did.

The run (run.py) deletes products through the API, puts one unreadable event on the exchange
and has one of two webhooks fail every attempt; the expected counts come from the services'
own databases (outbox rows, inbox rows, delivery attempts, the ledger).
"""

from __future__ import annotations

import re

from ripple_runtime.metrics.exposition import PORT_OFFSETS
from ripple_testing.processes import wait_until
from tests_e2e.metrics.run import CONSUMERS, WORKER_SERVICES, by_label, facts, scrape, total


def test_every_process_serves_metrics_of_its_service(observed):
    for process in PORT_OFFSETS:
        scraped = scrape(observed.system.metrics_url(process))
        services = {dict(labels).get("service") for name, labels in scraped if name.startswith("ripple_")}
        assert services - {None} == {process.split("-")[0]}, (process, services)


def test_the_relays_counted_every_event_the_outboxes_published(observed):
    done = facts(observed.system)
    relay = scrape(observed.system.metrics_url("catalog-relay"))
    assert (
        by_label(relay, "ripple_relay_published_total", "event_type", service="catalog")
        == done.published["catalog"]
    )
    assert done.published["catalog"]["catalog.product.deleted.v1"] == observed.deleted
    assert total(relay, "ripple_relay_publish_failures_total") == 0
    assert total(relay, "ripple_relay_connected", service="catalog") == 1
    assert total(relay, "ripple_outbox_pending_rows", service="catalog") == 0
    assert total(relay, "ripple_outbox_oldest_pending_age_seconds", service="catalog") == 0
    assert total(relay, "ripple_relay_confirm_latency_seconds_count", service="catalog") >= 1
    for service in CONSUMERS:  # the receipts, published by the relay each worker runs
        worker = scrape(observed.system.metrics_url(f"{service}-worker"))
        receipts = by_label(worker, "ripple_relay_published_total", "event_type", service=service)
        assert receipts == done.published[service] and receipts, service
        assert total(worker, "ripple_outbox_pending_rows", service=service) == 0


def test_each_consumer_counted_what_its_inbox_holds_and_the_poison_it_dead_lettered(observed):
    done = facts(observed.system)
    for service in WORKER_SERVICES:
        url = observed.system.metrics_url(f"{service}-worker")
        worker = scrape(url)
        accepted = by_label(
            worker, "ripple_consumer_events_total", "event_type", service=service, outcome="accepted"
        )
        assert accepted == done.inbox[service] and accepted, service
        assert total(worker, "ripple_inbox_duplicates_skipped_total", service=service) == 0
        assert total(worker, "ripple_event_retries_total", service=service) == 0
        for event_type in accepted:
            batches = total(
                worker, "ripple_handler_duration_seconds_count", service=service, event_type=event_type
            )
            assert 1 <= batches <= accepted[event_type], (service, event_type)
        poisoned = 1 if service in CONSUMERS else 0
        invalid = total(worker, "ripple_consumer_events_total", service=service, outcome="invalid")
        assert invalid == poisoned, service
        assert (
            total(worker, "ripple_events_dead_lettered_total", service=service, reason="invalid") == poisoned
        )
        # the dead-letter queue's depth, asked of the broker at scrape time
        wait_until(
            lambda u=url, s=service, n=poisoned: (
                total(scrape(u), "ripple_dead_letter_queue_depth", service=s) == n
            ),
            timeout=30,
            what=f"{service}'s dead-letter depth",
        )


def test_the_notifications_worker_counted_every_attempt_by_outcome_and_status_class(observed):
    done = facts(observed.system)
    worker = scrape(observed.system.metrics_url("notifications-worker"))
    attempts = {
        (dict(labels)["channel"], dict(labels)["outcome"], dict(labels)["status_class"]): value
        for (name, labels), value in worker.items()
        if name == "ripple_notification_attempts_total" and value
    }
    assert attempts == done.attempts
    assert done.attempts["webhook", "succeeded", "2xx"] == observed.deleted
    assert done.attempts["webhook", "failed", "5xx"] == observed.deleted  # the failing webhook gave up
    assert done.attempts.get(("webhook", "retrying", "5xx"), 0) >= observed.deleted
    for channel, count in done.succeeded.items():
        observed_latency = total(
            worker, "ripple_notification_delivery_latency_seconds_count", channel=channel
        )
        assert observed_latency == count


def test_the_catalog_api_counted_requests_by_route_pattern(observed):
    api = scrape(observed.system.metrics_url("catalog-api"))
    deletes = {
        dict(labels)["route"]: value
        for (name, labels), value in api.items()
        if name == "ripple_http_requests_total"
        and dict(labels)["method"] == "DELETE"
        and dict(labels)["status"] == "204"
    }
    assert len(deletes) == 1 and re.search(r"products/.*\(\?P<pk>", next(iter(deletes))), deletes
    assert next(iter(deletes.values())) == observed.deleted
    routes = {dict(labels)["route"] for name, labels in api if name == "ripple_http_requests_total"}
    assert not any(re.search(r"/\d+/", route) for route in routes), routes  # never a raw path
    assert total(api, "ripple_http_request_duration_seconds_count", method="DELETE") == observed.deleted


def test_the_catalog_worker_reports_the_ledger(observed):
    done = facts(observed.system)
    worker = scrape(observed.system.metrics_url("catalog-worker"))
    assert total(worker, "ripple_ledger_open_deletions", service="catalog") == done.open_deletions == 0
    assert total(worker, "ripple_ledger_oldest_pending_age_seconds", service="catalog") == 0


def test_make_dev_prints_where_each_process_serves_its_metrics(observed):
    log = observed.system.process.log()
    summary = log[log.index("== make dev: everything answers") :]
    line = next(line for line in summary.splitlines() if "metrics" in line)
    for process, offset in PORT_OFFSETS.items():
        assert f"{process} :{observed.system.metrics_base_port + offset}" in line, line
