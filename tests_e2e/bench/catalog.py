"""`make bench`: the catalog's speed targets, measured on real gunicorn, relay, RabbitMQ and PostgreSQL.

Phases (seeding is never timed): single DELETEs with the broker up and down, commit → broker confirm
of single deletes, relay throughput against a plain unconfirmed kombu loop, and one bulk delete of
10,000 products. Prints a table with PASS/MISS per target and writes it to var/bench/catalog.json.
Exit status: 0 when everything was measured (targets may be missed), 1 when the run itself failed.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback

from tests_e2e.bench import data, phases
from tests_e2e.bench.harness import DEAD_BROKER_URL, REPO_DIR, BenchEnv
from tests_e2e.bench.phases import BULK_PRODUCTS, CONFIRM_DELETES, DELETES, WARMUP
from tests_e2e.bench.report import Row, at_least, at_most, render, write_json

JSON_PATH = REPO_DIR / "var" / "bench" / "catalog.json"


def step(message: str) -> None:
    """Say which phase runs now (the run takes a few minutes)."""
    print(message, flush=True)


def run(bench: BenchEnv) -> dict:
    """Run every phase in order, restarting the API and the relay where the broker URL changes."""
    results: dict = {"load_average_before": os.getloadavg()}
    bench.setup()
    per_phase = WARMUP + DELETES
    _, ids = data.seed_products(bench.db, "single", 2 * per_phase + CONFIRM_DELETES, bench.media_root)
    up_ids, down_ids, confirm_ids = ids[:per_phase], ids[per_phase : 2 * per_phase], ids[2 * per_phase :]

    step("phase 1a: DELETE latency, broker up")
    api, relay = bench.start_api(bench.broker_url), bench.start_relay(bench.broker_url)
    results["delete_broker_up"] = phases.delete_latency(bench, up_ids)
    step("phase 2:  commit -> confirmed by RabbitMQ")
    results["commit_to_confirm"] = phases.commit_to_confirm(bench, confirm_ids)
    api.stop(), relay.stop()

    step("phase 1b: DELETE latency, broker down (API and relay pointed at a closed port)")
    api = bench.start_api(DEAD_BROKER_URL)
    relay = bench.start_relay(DEAD_BROKER_URL, connected=False)
    results["delete_broker_down"] = phases.delete_latency(bench, down_ids)
    api.stop(), relay.stop()

    step("          broker back: relay drains the outage's backlog")
    bench.start_api(bench.broker_url)
    results["backlog"] = phases.backlog_after_outage(bench)
    step(f"phase 3:  relay throughput vs plain kombu loop ({phases.THROUGHPUT_ROUNDS} rounds)")
    results["throughput"] = phases.relay_throughput(bench)
    step("phase 4:  bulk delete")
    results["bulk_delete"] = phases.bulk_delete(bench)
    results["load_average_after"] = os.getloadavg()
    return results


def table(results: dict) -> list[Row]:
    """Turn the measurements into table rows judged against the targets."""
    rows = []
    for key, label in (("delete_broker_up", "broker up"), ("delete_broker_down", "broker down")):
        latency, ok = results[key]["latency_ms"], results[key]["failures"] == 0
        rows.append(at_most(f"DELETE product+2 media p50 ({label})", latency["p50"], "ms", 10, also=ok))
        rows.append(at_most(f"DELETE product+2 media p99 ({label})", latency["p99"], "ms", 40, also=ok))
    confirm = results["commit_to_confirm"]
    rows += [
        at_most("commit -> confirmed p50 (published_at - created_at)", confirm["row_ms"]["p50"], "ms", 20),
        Row("commit -> confirmed p99 (published_at - created_at)", confirm["row_ms"]["p99"], "ms"),
        Row("HTTP 204 received -> confirmed p50", confirm["after_204_ms"]["p50"], "ms"),
        Row(
            f"outage backlog ({results['backlog']['events']} events) confirmed after relay start",
            results["backlog"]["drained_after_relay_start_s"],
            "s",
        ),
    ]
    tp = results["throughput"]
    rows += [
        Row(f"relay with confirms, {tp['events']:,} events (median)", tp["relay_events_per_s"], "ev/s"),
        Row("plain kombu loop, no confirms (median)", tp["plain_events_per_s"], "ev/s"),
        at_least("relay / plain loop (median of rounds)", tp["ratio"], "x", 0.5),
    ]
    bulk = results["bulk_delete"]
    rows += [
        at_most(
            f"bulk delete {BULK_PRODUCTS:,} products + {bulk['media']:,} media", bulk["seconds"], "s", 10
        ),
        Row("bulk delete's events all confirmed, after the response", bulk["events_confirmed_after_s"], "s"),
    ]
    return rows


def main() -> int:
    """Run the benchmark, always clean up, print and store the table; 1 if the run itself failed."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally block still cleans up
    bench = BenchEnv()
    try:
        results = run(bench)
    except Exception:
        traceback.print_exc()
        for process in bench.processes[-2:]:
            print(
                f"--- {process.name} (pid {process.pid}), last lines ---\n{process.tail()}", file=sys.stderr
            )
        return 1
    finally:
        bench.teardown()
    rows = table(results)
    print("\n" + render(rows))
    write_json(JSON_PATH, rows, results)
    print(f"written to {JSON_PATH.relative_to(REPO_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
