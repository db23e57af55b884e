"""The measured phases of the catalog benchmark; each returns plain numbers for the report."""

from __future__ import annotations

import statistics
import time
from collections import Counter

import requests

from tests_e2e.bench import data
from tests_e2e.bench.harness import GUNICORN_TIMEOUT, BenchEnv
from tests_e2e.bench.report import summary

WARMUP = 20
DELETES = 300
CONFIRM_DELETES = 150
RELAY_EVENTS = 20_000
THROUGHPUT_ROUNDS = 3
BULK_PRODUCTS = 10_000


def timed_deletes(session: requests.Session, api_url: str, ids: list[int]) -> tuple[list[float], int]:
    """DELETE the products one after another; return client-side latencies (ms) and the non-204 count."""
    latencies, failures = [], 0
    for pid in ids:
        started = time.perf_counter()
        response = session.delete(f"{api_url}/api/v1/products/{pid}/", timeout=30)
        latencies.append((time.perf_counter() - started) * 1000)
        failures += response.status_code != 204
    return latencies, failures


def delete_latency(bench: BenchEnv, ids: list[int]) -> dict:
    """Warm the API up with WARMUP deletes, then time the DELETEs of the remaining products."""
    with bench.session() as session:
        timed_deletes(session, bench.api_url, ids[:WARMUP])
        latencies, failures = timed_deletes(session, bench.api_url, ids[WARMUP:])
    return {"latency_ms": summary(latencies), "failures": failures}


def commit_to_confirm(bench: BenchEnv, ids: list[int]) -> dict:
    """Delete products one at a time, each once the previous one's events were confirmed.

    Per outbox row: published_at - created_at (created inside the delete's transaction, published
    once RabbitMQ confirmed). Per delete: the last row's published_at - the moment the 204 arrived.
    """
    db = bench.db
    data.wait_until_published(db, timeout=60)
    (last_id,) = db.execute("SELECT coalesce(max(id), 0) FROM outbox_outboxevent").fetchone()
    per_row, after_204 = [], []
    with bench.session() as session:
        for pid in ids:
            response = session.delete(f"{bench.api_url}/api/v1/products/{pid}/", timeout=30)
            answered = time.time()
            if response.status_code != 204:
                raise RuntimeError(f"DELETE product {pid} answered {response.status_code}: {response.text}")
            data.wait_until_published(db, timeout=30)
            rows = db.execute(
                "SELECT id, extract(epoch FROM created_at)::float8, extract(epoch FROM published_at)::float8"
                " FROM outbox_outboxevent WHERE id > %s",
                (last_id,),
            ).fetchall()
            last_id = max(row[0] for row in rows)
            per_row += [(published - created) * 1000 for _, created, published in rows]
            after_204.append((max(row[2] for row in rows) - answered) * 1000)
    return {"row_ms": summary(per_row), "after_204_ms": summary(after_204), "deletes": len(ids)}


def backlog_after_outage(bench: BenchEnv) -> dict:
    """Start the relay against the live broker again; time until the outage's backlog is confirmed."""
    backlog = data.pending(bench.db)
    started = time.time()
    bench.start_relay(bench.broker_url)
    data.wait_until_published(bench.db, timeout=120, every=0.01)
    data.purge_queues(bench.broker_url)
    drained = data.last_published_at(bench.db) - started
    return {"events": backlog, "drained_after_relay_start_s": round(drained, 3)}


def _plain_round(url: str, messages: list[data.Outgoing], copies: int) -> tuple[float, float]:
    """Publish without confirms; return the loop's seconds and the seconds until every copy was queued."""
    started = time.perf_counter()
    loop = data.publish_plain(url, messages)
    deadline = time.monotonic() + 30
    while (queued := data.queued_messages(url)) < copies and time.monotonic() < deadline:
        time.sleep(0.05)
    if queued < copies:  # unconfirmed publishing gives no guarantee: report, don't fail the run
        print(f"          plain loop: {copies - queued} of {copies} copies never reached a queue")
    enqueued = time.perf_counter() - started
    data.purge_queues(url)
    return loop, enqueued


def relay_round(bench: BenchEnv, messages: list[data.Outgoing]) -> float:
    """COPY the messages into the outbox; return seconds from the commit to the last confirmed row.

    The table is ANALYZEd first (unmeasured), as autovacuum would have done in a long-running
    deployment: without statistics the planner picks a much slower plan for the relay's claim.
    """
    bench.db.execute("ANALYZE outbox_outboxevent")
    committed = data.insert_pending(bench.db, messages)
    # The end time comes from the rows themselves (published_at), so a slow poll costs no accuracy
    # and leaves the machine to the relay.
    data.wait_until_published(bench.db, timeout=600, every=0.2)
    seconds = data.last_published_at(bench.db) - committed
    data.purge_queues(bench.broker_url)
    return seconds


def relay_throughput(bench: BenchEnv) -> dict:
    """Events/s of the running relay (confirms) against a plain unconfirmed kombu loop, same bodies.

    THROUGHPUT_ROUNDS rounds, alternating which goes first; each round has fresh event ids. The
    ratio is the median of the per-round ratios, so both sides of a ratio share the machine's state.
    """
    url = bench.broker_url
    data.wait_until_published(bench.db, timeout=120)
    data.purge_queues(url)
    rounds = []
    for number in range(THROUGHPUT_ROUNDS):
        messages = data.delete_event_messages(RELAY_EVENTS)
        kinds = Counter(out.aggregate_type for out in messages)
        copies = kinds["media"] + 2 * kinds["product"]  # product.deleted: search and notifications
        if number % 2 == 0:
            plain, enqueued = _plain_round(url, messages, copies)
            relay = relay_round(bench, messages)
        else:
            relay = relay_round(bench, messages)
            plain, enqueued = _plain_round(url, messages, copies)
        rounds.append(
            {
                "relay_s": round(relay, 3),
                "plain_loop_s": round(plain, 3),
                "plain_queued_s": round(enqueued, 3),
            }
        )
    relay_s = statistics.median(r["relay_s"] for r in rounds)
    plain_s = statistics.median(r["plain_loop_s"] for r in rounds)
    return {
        "events": RELAY_EVENTS,
        "relay_events_per_s": round(RELAY_EVENTS / relay_s, 1),
        "plain_events_per_s": round(RELAY_EVENTS / plain_s, 1),
        "ratio": round(statistics.median(r["plain_loop_s"] / r["relay_s"] for r in rounds), 3),
        "rounds": rounds,
    }


def bulk_delete(bench: BenchEnv) -> dict:
    """Time one POST /products/bulk-delete/ by category over 10,000 products and 20,000 media rows."""
    category_id, _ = data.seed_products(bench.db, "bulk", BULK_PRODUCTS)
    data.wait_until_published(bench.db, timeout=120)
    data.purge_queues(bench.broker_url)
    with bench.session() as session:
        started = time.perf_counter()
        response = session.post(
            f"{bench.api_url}/api/v1/products/bulk-delete/",
            json={"filter": {"category": str(category_id)}},
            timeout=GUNICORN_TIMEOUT,
        )
        seconds = time.perf_counter() - started
    answered = time.time()
    body = response.json() if response.ok else {}
    if response.status_code != 200 or body.get("products") != BULK_PRODUCTS:
        raise RuntimeError(f"bulk delete answered {response.status_code}: {response.text[:500]}")
    data.wait_until_published(bench.db, timeout=600, every=0.05)
    drained = data.last_published_at(bench.db) - answered
    data.purge_queues(bench.broker_url)
    return {
        "seconds": round(seconds, 3),
        "media": body["media"],
        "events_confirmed_after_s": round(drained, 3),
    }
