"""`make bench`: a single delete, from the API call until all three of its effects are observable.

The whole system runs as in the fault suite (every process through ripple.sh, a real webhook
receiver and SMTP server), once on SQLite (the embedded default) and once on PostgreSQL. For
each delete the clock starts before the DELETE request and stops at the first poll that sees
the product's file gone from the media folder, its webhook received, and its hit gone from the
search API. Results: a table, and var/bench/endtoend.json.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests_e2e.bench.harness import REPO_DIR
from tests_e2e.bench.report import at_most, render, summary, write_json
from tests_e2e.faults.system import WholeSystem

DELETES = int(os.environ.get("RIPPLE_BENCH_E2E_DELETES", "60"))
WARMUP = 5
TARGET_P50_MS, TARGET_P99_MS = 60, 150
EFFECTS = ("file", "webhook", "search")


def observed_effects(system: WholeSystem, product_id: int, hooks_before: int, pending: set[str]) -> set[str]:
    """Which of the pending effects (`file`, `webhook`, `search`) of this product can be seen now."""
    seen = set()
    if "file" in pending and not any((system.media_root / "products" / str(product_id)).glob("*")):
        seen.add("file")
    if "webhook" in pending and len(system.receiver.received("/hook")) > hooks_before:
        seen.add("webhook")
    if "search" in pending:
        search = requests.get(
            f"http://127.0.0.1:{system.ports['search']}/api/v1/search",
            params={"q": system.skus[product_id]},
            timeout=5,
        )
        if product_id not in {hit["product_id"] for hit in search.json()["results"]}:
            seen.add("search")
    return seen


def measure(engine: str) -> dict[str, list[float]]:
    """Delete products one at a time and time each until all its effects are observable."""
    with (
        tempfile.TemporaryDirectory(prefix="ripple-bench-e2e-") as tmp,
        WholeSystem(Path(tmp), engine) as system,
    ):
        system.start("search-api")
        ids = system.seed(f"E2E{engine.upper()}", WARMUP + DELETES)
        api = system.api()
        samples: dict[str, list[float]] = {
            "api_ms": [],
            "all_effects_ms": [],
            **{f"{e}_ms": [] for e in EFFECTS},
        }
        for index, product_id in enumerate(ids):
            hooks_before = len(system.receiver.received("/hook"))
            started = time.perf_counter()
            assert api.delete(system.catalog_url(f"/api/v1/products/{product_id}/")).status_code == 204
            answered, pending, seen_at = time.perf_counter(), set(EFFECTS), {}
            while pending:
                for effect in observed_effects(system, product_id, hooks_before, pending):
                    seen_at[effect] = time.perf_counter()
                    pending.discard(effect)
                if time.perf_counter() > started + 30:
                    raise RuntimeError(
                        f"{engine}: product {product_id}: {sorted(pending)} not seen within 30 s"
                    )
                time.sleep(0.001)
            if index >= WARMUP:
                samples["api_ms"].append((answered - started) * 1000)
                samples["all_effects_ms"].append((max(seen_at.values()) - started) * 1000)
                for effect, at in seen_at.items():
                    samples[f"{effect}_ms"].append((at - started) * 1000)
            print(f"\r{engine}: {index + 1}/{len(ids)} deletes", end="", flush=True)
        print()
        return samples


def main(argv: list[str]) -> int:
    """Measure on each engine named (both by default), print the table, write the JSON."""
    rows, details = [], {}
    for engine in argv or ["sqlite", "postgres"]:
        samples = measure(engine)
        effects = summary(samples["all_effects_ms"])
        print(" ".join(f"{name} p50 {summary(values)['p50']:.0f} ms" for name, values in samples.items()))
        details[engine] = {name: summary(values) for name, values in samples.items()}
        rows.append(
            at_most(f"{engine}: single delete -> all 3 effects, p50", effects["p50"], "ms", TARGET_P50_MS)
        )
        rows.append(
            at_most(f"{engine}: single delete -> all 3 effects, p99", effects["p99"], "ms", TARGET_P99_MS)
        )
    print(render(rows))
    write_json(REPO_DIR / "var" / "bench" / "endtoend.json", rows, details, benchmark="endtoend")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
