"""`make bench`: what the deletion ledger costs, and how fast it answers.

One run, two whole systems (every process through ripple.sh on fresh PostgreSQL databases,
reaching the broker directly), the same seeded catalog in each: 10,000 products with two stored
files each, indexed in search. The first system runs with LEDGER_ENABLED=0 (no deletions, no
receipts): its clock stops when every service has processed every event of the bulk delete (the
last effect: their inbox rows, written with the effects). The second runs with the ledger: its
clock stops when the deletion is `complete`, read in the catalog's database (asking the API every
0.1 s would cost the catalog's gunicorn CPU the purge it watches would lose); both note when the
last effect was seen, so the ledger's cost splits into a slower pipeline and the receipts' tail
after its last effect. Then `GET /api/v1/deletions/{id}/` of that deletion is timed. Notifications
has no subscribers here: with a webhook and a mail per product its deliveries, not the ledger,
would set the pace. Results: a table, and var/bench/ledger.json.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from tests_e2e.bench import data
from tests_e2e.bench.harness import REPO_DIR, run_checked
from tests_e2e.bench.report import Row, at_most, render, summary, write_json
from tests_e2e.faults.brokers import DirectBroker
from tests_e2e.faults.system import WholeSystem

PRODUCTS = int(os.environ.get("RIPPLE_BENCH_LEDGER_PRODUCTS", "10000"))
READS = 40
TARGET_SECONDS, TARGET_RATIO, TARGET_READ_P50_MS = 25.0, 1.3, 50.0


def processed(system: WholeSystem, service: str) -> int:
    """Inbox rows of a service: events it has handled, each with its effect."""
    return system.sql(service, "SELECT count(*) FROM ripple_inbox_processedevent")[0][0]


def deletion_status(system: WholeSystem, deletion_id: str) -> str:
    """The ledger's status of a deletion, read in the catalog's database.

    Watched every 0.1 s, a read of the API would cost the catalog's gunicorn a few ms of CPU each
    time, which the purge it watches would lose on two cores; the API is timed after the purge.
    """
    return system.sql("catalog", "SELECT status FROM ledger_deletion WHERE id = %s", deletion_id)[0][0]


def index_catalog(system: WholeSystem) -> None:
    """Fill the search index from the catalog API (`manage.py reindex`), as an operator would."""
    run_checked(
        [sys.executable, "manage.py", "reindex"],
        cwd=REPO_DIR / "services" / "search",
        env=system.process_env("search"),
    )


def purge(ledger: bool) -> dict:
    """Seed, index, bulk-delete everything; seconds until the last effect (or `complete`)."""
    env = {"LEDGER_ENABLED": "1" if ledger else "0", "BULK_DELETE_MAX_PRODUCTS": str(PRODUCTS)}
    with (
        tempfile.TemporaryDirectory(prefix="ripple-bench-ledger-") as tmp,
        WholeSystem(Path(tmp), "postgres", broker=DirectBroker(), extra_env=env, subscribe=False) as system,
    ):
        with psycopg.connect(system.databases.url("catalog")) as db:
            _, ids = data.seed_products(db, f"ledger{int(ledger)}", PRODUCTS, media_root=system.media_root)
        index_catalog(system)
        before = {service: processed(system, service) for service in ("media", "search", "notifications")}
        api = system.api()
        started = time.perf_counter()
        answer = api.post(system.catalog_url("/api/v1/products/bulk-delete/"), json={"ids": ids}, timeout=300)
        answered = time.perf_counter()
        if answer.status_code != 200:
            raise RuntimeError(f"bulk delete failed: {answer.status_code} {answer.text[:500]}")
        owed = {"media": PRODUCTS, "search": PRODUCTS, "notifications": PRODUCTS}
        url, deletion_id = answer.json()["deletion_url"], answer.json()["deletion_id"]
        effects_s = None  # when the last effect was observed: with the ledger, the rest is its tail
        while True:
            if effects_s is None and all(processed(system, s) - before[s] >= n for s, n in owed.items()):
                effects_s = time.perf_counter() - started
            if ledger:
                status = deletion_status(system, deletion_id)
                if status == "complete":
                    break
                if status == "failed":
                    raise RuntimeError(
                        f"the deletion failed: {api.get(url, timeout=30).json()['failed_events'][:3]}"
                    )
            elif effects_s is not None:
                break
            if time.perf_counter() - started > 600:
                raise RuntimeError("the purge did not finish within 600 s")
            time.sleep(0.1)
        result = {"api_s": answered - started, "total_s": time.perf_counter() - started}
        result["effects_s"] = effects_s if effects_s is not None else result["total_s"]
        if ledger:
            reads = []
            for _ in range(READS):
                began = time.perf_counter()
                assert api.get(url, timeout=30).status_code == 200
                reads.append((time.perf_counter() - began) * 1000)
            result["read_ms"] = summary(reads)
        print(f"ledger={'on' if ledger else 'off'}: {result}", flush=True)
        return result


def main(argv: list[str]) -> int:
    """Both purges in one run, then the table and the JSON."""
    plain, followed = purge(ledger=False), purge(ledger=True)
    ratio = followed["total_s"] / plain["total_s"]
    rows = [
        Row(f"bulk delete of {PRODUCTS:,}, ledger off: until the last effect", plain["total_s"], "s"),
        at_most(
            f"bulk delete of {PRODUCTS:,}, ledger on: until complete",
            followed["total_s"],
            "s",
            TARGET_SECONDS,
        ),
        at_most("ledger on / ledger off", ratio, "x", TARGET_RATIO),
        Row("bulk delete API answer, ledger off / on", plain["api_s"], f"s / {followed['api_s']:.2f} s"),
        Row(  # where the ledger's cost goes: a slower pipeline, or the receipts' tail after it
            "ledger on: last effect / complete",
            followed["effects_s"],
            f"s / {followed['total_s']:.2f} s",
        ),
        at_most(
            f"GET /api/v1/deletions/{{id}}/ of {PRODUCTS:,} products, p50",
            followed["read_ms"]["p50"],
            "ms",
            TARGET_READ_P50_MS,
        ),
    ]
    print(render(rows))
    write_json(
        REPO_DIR / "var" / "bench" / "ledger.json", rows, {"off": plain, "on": followed}, benchmark="ledger"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
