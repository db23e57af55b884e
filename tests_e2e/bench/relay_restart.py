"""`make bench`: a relay SIGKILLed mid-stream and started again; seconds until every event is confirmed.

The catalog's relay (`manage.py relay_outbox`) runs on a database and vhost of the benchmark's own
(tests_e2e.bench.harness). Each round COPYs RELAY_RESTART_EVENTS pending rows into the outbox,
waits until the relay has published some, SIGKILLs it (its claims stay behind, under a lease of
ten minutes, so only the take-over can free them in time), starts a new relay at once and times
from that start until the dead relay's claimed rows are confirmed, and until no row is pending.
Both include the new relay's own start-up, so they grow with the machine's load (recorded too).
Results: a table, and var/bench/relay_restart.json.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
import traceback

from tests_e2e.bench import data
from tests_e2e.bench.harness import REPO_DIR, BenchEnv, SetupError, wait_for
from tests_e2e.bench.report import Row, at_most, render, summary, write_json

EVENTS = int(os.environ.get("RIPPLE_BENCH_RELAY_RESTART_EVENTS", "6000"))
ROUNDS = int(os.environ.get("RIPPLE_BENCH_RELAY_RESTART_ROUNDS", "3"))
TARGET_S = 5.0
JSON_PATH = REPO_DIR / "var" / "bench" / "relay_restart.json"


def published(bench: BenchEnv) -> int:
    """Outbox rows the broker confirmed."""
    return bench.db.execute(
        "SELECT count(*) FROM outbox_outboxevent WHERE published_at IS NOT NULL"
    ).fetchone()[0]


def held_by(bench: BenchEnv, relay_id: str) -> int:
    """Unpublished outbox rows still claimed by `relay_id`."""
    return bench.db.execute(
        "SELECT count(*) FROM outbox_outboxevent WHERE published_at IS NULL AND claimed_by = %s", (relay_id,)
    ).fetchone()[0]


def one_round(bench: BenchEnv) -> dict:
    """Kill a relay mid-stream, start another, and time from that start until nothing is pending."""
    relay = bench.start_relay(bench.broker_url)
    before = published(bench)
    data.insert_pending(bench.db, data.delete_event_messages(EVENTS))
    wait_for(lambda: published(bench) > before, "the relay to publish", every=0.001)
    relay.popen.send_signal(signal.SIGKILL)
    relay.popen.wait(10)
    dead = f"{socket.gethostname()}:{relay.pid}"
    left, held = data.pending(bench.db), held_by(bench, dead)
    if not left or not held:
        raise SetupError(f"the relay died with {left} rows pending, {held} claimed: nothing to take over")
    started = time.monotonic()
    restarted = bench.start_relay(bench.broker_url)
    up = time.monotonic()
    wait_for(lambda: held_by(bench, dead) == 0, "the dead relay's claims to be taken over", every=0.01)
    freed = time.monotonic()
    data.wait_until_published(bench.db, timeout=120, every=0.01)
    done = time.monotonic()
    restarted.stop()
    data.purge_queues(bench.broker_url)
    return {
        "pending_at_kill": left,
        "claimed_by_the_dead_relay": held,
        "restart_to_first_heartbeat_s": round(up - started, 3),
        "restart_to_claims_freed_s": round(freed - started, 3),
        "restart_to_all_published_s": round(done - started, 3),
        "load_average": os.getloadavg()[0],
    }


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

    def p50(key: str) -> float:
        """The median of one measurement over the rounds."""
        return summary([r[key] for r in rounds])["p50"]

    worst = max(r["restart_to_all_published_s"] for r in rounds)
    rows = [
        at_most("relay SIGKILL + restart -> all published, max", worst, "s", TARGET_S),
        Row("relay SIGKILL + restart -> all published, p50", p50("restart_to_all_published_s"), "s"),
        Row(
            "  of which: restart -> new relay's first heartbeat, p50",
            p50("restart_to_first_heartbeat_s"),
            "s",
        ),
        Row("  restart -> the dead relay's claims freed, p50", p50("restart_to_claims_freed_s"), "s"),
        Row(
            "rows the dead relay still claimed (max)", max(r["claimed_by_the_dead_relay"] for r in rounds), ""
        ),
        Row("load average (1 min, max over rounds)", max(r["load_average"] for r in rounds), ""),
    ]
    print("\n" + render(rows))
    write_json(JSON_PATH, rows, {"events": EVENTS, "rounds": rounds}, benchmark="relay_restart")
    print(f"written to {JSON_PATH.relative_to(REPO_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
