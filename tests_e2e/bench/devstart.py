"""`make bench`: how long `make dev` takes until every API and Flower answer, cold and warm.

Cold: a fresh RIPPLE_VAR_DIR (every migration to apply, static files to collect). Warm: the same
var dir again, nothing left to migrate. Each run is `make dev` on free ports with the broker users
of definitions.json (as the walkthrough runs it), stopped with Ctrl-C once everything answered.
Prints the figures and writes them to var/bench/devstart.json; a figure, not a test.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from tests_e2e.bench.report import Row, at_most, render, write_json
from tests_e2e.system import REPO_DIR, DevSystem, RabbitDefinitions

JSON_PATH = REPO_DIR / "var" / "bench" / "devstart.json"
WARM_TARGET_SECONDS = 20.0
WARM_RUNS = int(os.environ.get("RIPPLE_BENCH_DEV_WARM_RUNS", "2"))


def time_start(tmp: Path, rabbit: RabbitDefinitions) -> float:
    """Seconds from `make dev` until the three APIs and Flower answer; then Ctrl-C."""
    dev = DevSystem(tmp, rabbit, {})
    started = time.monotonic()
    try:
        dev.start(workers=False)
        return time.monotonic() - started
    finally:
        dev.stop()


def main() -> int:
    """One cold start, then WARM_RUNS warm starts of the same var dir."""
    rabbit = RabbitDefinitions()
    rabbit.import_()
    try:
        with tempfile.TemporaryDirectory(prefix="ripple-devstart-") as name:
            tmp = Path(name)
            cold = time_start(tmp, rabbit)
            print(f"make dev, cold: {cold:.1f} s", flush=True)
            warm = []
            for n in range(WARM_RUNS):
                warm.append(time_start(tmp, rabbit))
                print(f"make dev, warm #{n + 1}: {warm[-1]:.1f} s", flush=True)
    finally:
        rabbit.remove()
    rows = [
        Row("make dev, cold: until every API and Flower answer", round(cold, 1), "s"),
        at_most("make dev, warm (best of the runs)", round(min(warm), 1), "s", WARM_TARGET_SECONDS),
    ]
    print(render(rows))
    write_json(JSON_PATH, rows, {"cold": cold, "warm": warm, "load": os.getloadavg()}, benchmark="devstart")
    return 0


if __name__ == "__main__":
    sys.exit(main())
