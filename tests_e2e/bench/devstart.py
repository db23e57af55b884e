"""`make bench`: how long `make dev` takes until every API and Flower answer, cold and warm.

Cold: a fresh RIPPLE_VAR_DIR (every migration to apply, static files to collect). Warm: the same
var dir again, nothing left to migrate. Each run is `make dev` on free ports with the broker users
of definitions.json (as the walkthrough runs it), stopped with Ctrl-C once everything answered.
Prints the figures, with the CPU time the processes used by then (the wall time depends on what else
the machine runs), and writes them to var/bench/devstart.json; a figure, not a test.
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


def cpu_seconds(root: int) -> float:
    """CPU time (user + system, with that of waited-for children) of `root` and every live descendant."""
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(stat.parent.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
    tree, total = {root}, 0
    for pid in sorted(stats):  # parents have smaller pids here, short of pid wrap-around
        if pid in tree or stats[pid][0] in tree:
            tree.add(pid)
            total += stats[pid][1]
    return total / os.sysconf("SC_CLK_TCK")


def time_start(tmp: Path, rabbit: RabbitDefinitions) -> tuple[float, float]:
    """Seconds from `make dev` until the three APIs and Flower answer, and the CPU seconds it took."""
    dev = DevSystem(tmp, rabbit, {})
    started = time.monotonic()
    try:
        dev.start(workers=False)
        return time.monotonic() - started, cpu_seconds(dev.process.process.pid)
    finally:
        dev.stop()


def main() -> int:
    """One cold start, then WARM_RUNS warm starts of the same var dir."""
    rabbit = RabbitDefinitions()
    rabbit.import_()
    runs: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": []}
    try:
        with tempfile.TemporaryDirectory(prefix="ripple-devstart-") as name:
            for kind in ["cold"] + ["warm"] * WARM_RUNS:
                runs[kind].append(time_start(Path(name), rabbit))
                wall, cpu = runs[kind][-1]
                print(f"make dev, {kind}: {wall:.1f} s ({cpu:.1f} CPU s), load {os.getloadavg()[0]:.1f}")
    finally:
        rabbit.remove()
    (cold, cold_cpu), (warm, warm_cpu) = runs["cold"][0], min(runs["warm"])
    rows = [
        Row("make dev, cold: until every API and Flower answer", round(cold, 1), "s"),
        Row("make dev, cold: CPU time of its processes by then", round(cold_cpu, 1), "s"),
        at_most("make dev, warm (best of the runs)", round(warm, 1), "s", WARM_TARGET_SECONDS),
        Row("make dev, warm: CPU time of its processes by then", round(warm_cpu, 1), "s"),
    ]
    print(render(rows))
    write_json(JSON_PATH, rows, {**runs, "load": os.getloadavg()}, benchmark="devstart")
    return 0


if __name__ == "__main__":
    sys.exit(main())
