"""`python -m tests_e2e.bench.pipeline` at a tiny size: it writes its results, and both patterns did the work.

No timing is asserted (speed is `make bench`'s business): the run must end well, its report, JSON
and charts must exist, and every purge and every single delete — the naive pattern's too — must
have produced all of its effects: files removed from disk, search rows gone, one webhook each.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests_e2e.bench.harness import REPO_DIR

PRODUCTS, SINGLES = 12, 3
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_a_tiny_bench_run_writes_its_results_and_both_patterns_did_every_effect(tmp_path):
    out = tmp_path / "results"
    run = subprocess.run(
        [
            *(sys.executable, "-m", "tests_e2e.bench.pipeline", "--singles", str(SINGLES), "--warmup", "1"),
            *("--products", str(PRODUCTS), "--engines", "sqlite,postgres", "--outage-seconds", "2"),
            *("--out", str(out)),
        ],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    assert "naive / ripple, purge" in run.stdout

    document = json.loads((out / "pipeline.json").read_text())
    assert document["benchmark"] == "pipeline"
    for engine in ("sqlite", "postgres"):
        systems = document["details"][engine]
        assert set(systems) == {"ripple", "naive"}
        runs = [systems["ripple"]["purge"], systems["ripple"]["outage"], systems["naive"]["purge"]]
        for purge in runs:
            last = purge["timeline"][-1]
            assert purge["products"] == PRODUCTS
            assert last["files removed"] == 2 * PRODUCTS
            assert last["search rows removed"] == PRODUCTS
            assert last["webhooks received"] == PRODUCTS
        for measured in systems.values():
            singles = measured["singles"]
            assert len(singles["all_effects_ms"]) == SINGLES
            for effect in ("file", "webhook", "search"):
                assert len(singles[f"{effect}_ms"]) == SINGLES
        # the naive shop's tasks went through its own queues and were all taken
        assert all(value == 0 for key, value in last.items() if key.startswith("queue naive."))
        assert {row["metric"] for row in document["metrics"]} >= {
            f"{engine} ripple / naive, single delete p50",
            f"{engine} naive / ripple, purge",
        }

    report = (out / "report.md").read_text()
    for picture in ("latency.png", "throughput-sqlite.png", "throughput-postgres.png"):
        assert (out / picture).read_bytes().startswith(PNG_MAGIC)
        assert f"]({picture})" in report
    assert "Where the purge's time goes" in report
