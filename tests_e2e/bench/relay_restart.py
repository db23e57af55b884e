"""`make bench`: a relay SIGKILLed mid-stream and started again; seconds until every event is confirmed.

The catalog's relay (`manage.py relay_outbox`) runs on a database and vhost of the benchmark's own
(tests_e2e.bench.harness). Each round COPYs RELAY_RESTART_EVENTS pending rows into the outbox,
waits until the relay has published some, SIGKILLs it (its claims stay behind, under a lease of
ten minutes, so only the take-over can free them in time), starts a new relay at once and times
from that start until no row is pending. Results: a table, and var/bench/relay_restart.json.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback

from tests_e2e.bench import data
from tests_e2e.bench.harness import REPO_DIR, BenchEnv, SetupError, wait_for
from tests_e2e.bench.report import Row, at_most, render, summary, write_json

EVENTS = int(os.environ.get("RIPPLE_BENCH_RELAY_RESTART_EVENTS", "20000"))
ROUNDS = int(os.environ.get("RIPPLE_BENCH_RELAY_RESTART_ROUNDS", "3"))
TARGET_S = 5.0
JSON_PATH = REPO_DIR / "var" / "bench" / "relay_restart.json"


def claimed_unpublished(bench: BenchEnv) -> int:
    """Outbox rows a relay claimed but the broker has not confirmed yet."""
    return bench.db.execute(
        "SELECT count(*) FROM outbox_outboxevent WHERE published_at IS NULL AND claimed_by <> ''"
    ).fetchone()[0]


def published(bench: BenchEnv) -> int:
    """Outbox rows the broker confirmed."""
    return bench.db.execute(
        "SELECT count(*) FROM outbox_outboxevent WHERE published_at IS NOT NULL"
    ).fetchone()[0]


def one_round(bench: BenchEnv) -> dict:
    """Kill a relay mid-stream, start another, and time from that start until nothing is pending."""
    relay = bench.start_relay(bench.broker_url)
    before = published(bench)
    data.insert_pending(bench.db, data.delete_event_messages(EVENTS))
    wait_for(lambda: published(bench) > before, "the relay to publish", every=0.001)
    relay.popen.send_signal(signal.SIGKILL)
    relay.popen.wait(10)
    left, held = data.pending(bench.db), claimed_unpublished(bench)
    if not left or not held:
        raise SetupError(f"the relay died with {left} rows pending, {held} claimed: nothing to take over")
    started = time.monotonic()
    restarted = bench.start_relay(bench.broker_url)
    data.wait_until_published(bench.db, timeout=120, every=0.01)
    seconds = time.monotonic() - started
    restarted.stop()
    data.purge_queues(bench.broker_url)
    return {"pending_at_kill": left, "claimed_by_the_dead_relay": held, "restart_to_all_published_s": seconds}


def main() -> int:
    """Run the rounds, always clean up, print and store the table; 1 if the run itself failed."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally block still cleans up
    os.environ["OUTBOX_CLAIM_SECONDS"] = "600"  # the harness passes the environment on to the relays
    bench = BenchEnv()
    try:
        bench.setup()
        rounds = []
        for number in range(ROUNDS):
            rounds.append(one_round(bench))
            print(f"round {number + 1}/{ROUNDS}: {rounds[-1]}", flush=True)
    except Exception:
        traceback.print_exc()
        for process in bench.processes[-2:]:
            print(f"--- {process.name} (pid {process.pid}) ---\n{process.tail()}", file=sys.stderr)
        return 1
    finally:
        bench.teardown()
    seconds = summary([r["restart_to_all_published_s"] for r in rounds])
    rows = [
        at_most("relay SIGKILL + restart -> all published, max", seconds["max"], "s", TARGET_S),
        Row("relay SIGKILL + restart -> all published, p50", seconds["p50"], "s"),
        Row(
            "rows the dead relay still claimed (max)", max(r["claimed_by_the_dead_relay"] for r in rounds), ""
        ),
    ]
    print("\n" + render(rows))
    write_json(JSON_PATH, rows, {"events": EVENTS, "rounds": rounds}, benchmark="relay_restart")
    print(f"written to {JSON_PATH.relative_to(REPO_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
