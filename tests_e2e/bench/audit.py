"""Benchmark: `manage.py audit --fix` of media and of search against 100,000 live products (`make bench`).

The catalog (gunicorn on PostgreSQL) holds 100,000 products with two media rows each, and their
200,000 files are on disk; search holds a document per product. Then RAW_DELETED products are
deleted with raw SQL (their files and documents become orphans) and BEHIND documents are set a
version back. Each audit runs as its own process; its wall time and its peak RSS (VmHWM of
that very process) are reported, and its findings must be exactly the planted ones.
Target: at most 60 s per service, memory bounded. Results in var/bench/audit.json.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime, timedelta

import psycopg

from tests_e2e.bench import data
from tests_e2e.bench.consumers import ServiceRun
from tests_e2e.bench.harness import REPO_DIR, BenchEnv
from tests_e2e.bench.report import Row, at_most, render, write_json

PRODUCTS = int(os.environ.get("RIPPLE_BENCH_AUDIT_PRODUCTS", "100000"))
RAW_DELETED = 50
BEHIND = 50
TARGET_SECONDS = 60


def step(message: str) -> None:
    """Say what runs now (seeding 200,000 files takes a while)."""
    print(message, flush=True)


def raw_delete(bench: BenchEnv, ids: list[int]) -> list[str]:
    """Delete products and their media rows behind the catalog's back (no signal, no event); their keys."""
    with bench.db.transaction():
        keys = bench.db.execute(
            "DELETE FROM catalog_productmedia WHERE product_id = ANY(%s) RETURNING file", (ids,)
        ).fetchall()
        bench.db.execute("DELETE FROM catalog_product WHERE id = ANY(%s)", (ids,))
    return [key for (key,) in keys]


def seed_index(db_url: str, ids: list[int], behind: set[int]) -> None:
    """A search document per product (an hour old), one version back for the `behind` ones."""
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    with psycopg.connect(db_url, autocommit=True) as db:
        with db.cursor().copy(
            "COPY search_document (product_id, document_id, sku, name, description, price, category_id,"
            " category_name, version, updated_at) FROM STDIN"
        ) as copy:
            for pid in ids:
                version = 0 if pid in behind else 1
                copy.write_row(
                    (
                        pid,
                        f"product:{pid}",
                        f"SKU-{pid}",
                        f"Bench product {pid}",
                        "",
                        9.99,
                        1,
                        "Bench",
                        version,
                        hour_ago,
                    )
                )
        db.execute("ANALYZE search_document")


# Runs manage.py and, at its exit, writes its peak RSS: VmHWM of its own address space. (A child's
# rusage, RUSAGE_CHILDREN or wait4, also counts the forked copy of this process before its exec.)
PEAK_RSS_WRAPPER = """
import atexit, re, runpy, sys
def peak():
    status = open("/proc/self/status").read()
    sys.stderr.write("peak_rss_kb=" + re.search(r"VmHWM:\\s+(\\d+)", status).group(1) + "\\n")
atexit.register(peak)
sys.argv = ["manage.py", *sys.argv[1:]]
runpy.run_path("manage.py", run_name="__main__")
"""


def timed_audit(run: ServiceRun, env: dict[str, str]) -> dict:
    """Run `manage.py audit --fix --json` of a service; its seconds, peak RSS and summary."""
    argv = [sys.executable, "-c", PEAK_RSS_WRAPPER, "audit", "--fix", "--json"]
    started = time.monotonic()
    with (run.tmp / "audit.log").open("w+b") as log:
        process = subprocess.Popen(
            argv, cwd=run.folder, env=run.env(**env), stdout=subprocess.PIPE, stderr=log
        )
        out = process.stdout.read()
        process.wait()
        seconds = time.monotonic() - started
        log.seek(0)
        errors = log.read().decode(errors="replace")
    if process.returncode:
        raise RuntimeError(f"audit of {run.service} failed:\n{out.decode()}{errors}")
    lines = [json.loads(line) for line in out.decode().splitlines()]
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(int(re.search(r"peak_rss_kb=(\d+)", errors).group(1)) / 1024, 1),
        "findings": [line for line in lines if "finding" in line],
        "summary": lines[-1]["summary"],
    }


def run(bench: BenchEnv) -> dict:
    """Seed the catalog, its files and the index, plant the orphans, then time both audits."""
    bench.setup()
    step(f"seeding {PRODUCTS:,} products, {2 * PRODUCTS:,} media rows and their files (not timed)")
    _, ids = data.seed_products(bench.db, "audit", PRODUCTS, bench.media_root)
    deleted, behind = ids[:RAW_DELETED], set(ids[RAW_DELETED : RAW_DELETED + BEHIND])
    bench.start_api(bench.broker_url)
    env = {
        "CATALOG_API_URL": bench.api_url,
        "CATALOG_API_TOKEN": bench.token,
        "AUDIT_GRACE_SECONDS": "0",
        "MEDIA_ROOT": str(bench.media_root),
    }
    results: dict = {"products": PRODUCTS, "files": 2 * PRODUCTS, "load_average_before": os.getloadavg()}
    with ServiceRun("media") as media, ServiceRun("search") as search:
        seed_index(search.db_url, ids, behind)
        planted = raw_delete(bench, deleted)
        step("audit of media (--fix)")
        results["media"] = timed_audit(media, env)
        step("audit of search (--fix)")
        results["search"] = timed_audit(search, env)
    results["load_average_after"] = os.getloadavg()
    expected = {
        "media": {(f"file {key}", "removed") for key in planted},
        "search": {(f"document product:{pid}", "removed") for pid in deleted}
        | {(f"document product:{pid}", "refreshed") for pid in behind},
    }
    for service, wanted in expected.items():
        got = {(finding["item"], finding["outcome"]) for finding in results[service].pop("findings")}
        results[service]["exact"] = got == wanted
    return results


def table(results: dict) -> list[Row]:
    """Seconds (judged) and peak RSS of each audit."""
    rows = []
    for service in ("media", "search"):
        measured = results[service]
        what = f"{results['files']:,} files" if service == "media" else f"{results['products']:,} documents"
        rows.append(
            at_most(
                f"{service}: audit --fix of {what}",
                measured["seconds"],
                "s",
                TARGET_SECONDS,
                also=measured["exact"],
            )
        )
        rows.append(Row(f"{service}: audit peak RSS", measured["peak_rss_mb"], "MB"))
    return rows


def main() -> int:
    """Run the benchmark, always clean up, print and store the table; 1 if the run itself failed."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bench = BenchEnv()
    try:
        results = run(bench)
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        bench.teardown()
    rows = table(results)
    print("\n" + render(rows))
    path = REPO_DIR / "var" / "bench" / "audit.json"
    write_json(path, rows, results, benchmark="audit")
    print(f"written to {path.relative_to(REPO_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
