"""Summarise measurements, judge them against the targets, print the table and write it as JSON."""

from __future__ import annotations

import json
import math
import os
import platform
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile `q` (0-100) of the values: a value that was actually observed."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, float]:
    """Count, min, p50, p90, p99, max and mean of a series, rounded for reading."""
    return {
        "n": len(values),
        "min": round(min(values), 3),
        "p50": round(percentile(values, 50), 3),
        "p90": round(percentile(values, 90), 3),
        "p99": round(percentile(values, 99), 3),
        "max": round(max(values), 3),
        "mean": round(sum(values) / len(values), 3),
    }


@dataclass
class Row:
    """One line of the table: a figure, its unit, and the target it is judged against (if any)."""

    metric: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None

    @property
    def result(self) -> str:
        """PASS, MISS, or `info` for figures without a target."""
        return "info" if self.ok is None else ("PASS" if self.ok else "MISS")


def at_most(metric: str, value: float, unit: str, limit: float, *, also: bool = True) -> Row:
    """A row whose target is `value ≤ limit` (and `also`, e.g. no failed requests)."""
    return Row(metric, value, unit, f"<= {limit:g} {unit}", value <= limit and also)


def at_least(metric: str, value: float, unit: str, limit: float) -> Row:
    """A row whose target is `value ≥ limit`."""
    return Row(metric, value, unit, f">= {limit:g} {unit}".rstrip(), value >= limit)


def render(rows: list[Row]) -> str:
    """The rows as a fixed-width text table."""
    header = ("metric", "value", "target", "result")
    lines = [(r.metric, f"{r.value:,.2f} {r.unit}".rstrip(), r.target, r.result) for r in rows]
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(4)]
    fmt = f"{{:<{widths[0]}}}  {{:>{widths[1]}}}  {{:<{widths[2]}}}  {{}}"
    rule = "-" * (sum(widths) + 6 + len("result"))
    return "\n".join([fmt.format(*header), rule, *(fmt.format(*line) for line in lines), rule])


def write_json(path: Path, rows: list[Row], details: dict, benchmark: str = "catalog") -> None:
    """Write the table and the detailed measurements to `path` (folders are created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": benchmark,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "node": platform.node()},
        "metrics": [{**asdict(row), "result": row.result} for row in rows],
        "details": details,
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
