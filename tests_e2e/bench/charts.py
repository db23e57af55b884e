"""The end-to-end bench's pictures and Markdown report: latency distributions, stage rates over time."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

from tests_e2e.bench.report import summary


def draw(results: dict, out: Path) -> list[Path]:
    """latency.png, and throughput-<engine>.png for each engine; the paths written."""
    pictures = [_latency(results, out / "latency.png")]
    for engine, systems in results.items():
        pictures.append(_throughput(engine, systems, out / f"throughput-{engine}.png"))
    return pictures


def _latency(results: dict, path: Path) -> Path:
    """One panel per engine: the distribution (ECDF) of DELETE and of delete → all 3 effects."""
    figure, axes = plt.subplots(1, len(results), figsize=(6.5 * len(results), 4.5), squeeze=False)
    for axis, (engine, systems) in zip(axes[0], results.items(), strict=True):
        for label, measured in systems.items():
            for series, style in (("all_effects_ms", "-"), ("api_ms", ":")):
                values = sorted(measured["singles"][series])
                shares = [(n + 1) / len(values) for n in range(len(values))]
                what = "3 effects" if series == "all_effects_ms" else "DELETE"
                axis.step(values, shares, style, where="post", label=f"{label}: {what}")
        axis.set_xscale("log")
        axis.set_xlabel("ms after the DELETE was sent")
        axis.set_ylabel("share of single deletes")
        axis.set_title(f"{engine}: single delete")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _throughput(engine: str, systems: dict, path: Path) -> Path:
    """Per purge: each stage's rate (per second) over time, and the messages waiting in each queue."""
    purges = [
        (f"{label} {kind}", m[kind])
        for label, m in systems.items()
        for kind in ("purge", "outage")
        if kind in m
    ]
    figure, axes = plt.subplots(2, len(purges), figsize=(6.5 * len(purges), 7), squeeze=False, sharex="col")
    for column, (title, run) in enumerate(purges):
        timeline = run["timeline"]
        times = [sample["t"] for sample in timeline]
        rates, depths = axes[0][column], axes[1][column]
        for name in timeline[0]:
            if name == "t":
                continue
            values = [sample[name] for sample in timeline]
            if name.startswith("queue "):
                depths.plot(times, values, label=name.removeprefix("queue "))
            elif values[-1] != values[0]:
                per_second = [0.0] + [
                    (values[i] - values[i - 1]) / max(times[i] - times[i - 1], 1e-6)
                    for i in range(1, len(values))
                ]
                rates.plot(times, per_second, label=name)
        rates.set_title(
            f"{engine} {title}: {run['products']:,} products, last effect {run['last_effect_s']:.1f} s"
        )
        rates.set_ylabel("per second")
        depths.set_ylabel("messages ready")
        depths.set_xlabel("s after the bulk delete was sent")
        for axis in (rates, depths):
            axis.grid(True, alpha=0.3)
            axis.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def write_report(path: Path, table: str, results: dict, pictures: list[Path], flags: dict) -> None:
    """report.md: the table, where the purge time goes per stage, the latency figures, the charts."""
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    lines = [
        "# Ripple end to end, against the naive pattern",
        "",
        f"Flags: `{' '.join(f'{k}={v}' for k, v in flags.items() if k != 'out')}`;"
        f" load average at the end: {load}.",
        "",
        "```",
        table,
        "```",
        "",
    ]
    for engine, systems in results.items():
        lines += [
            f"## {engine}",
            "",
            "| single deletes (ms) | n | p50 | p90 | p99 | max |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for label, measured in systems.items():
            for series, values in measured["singles"].items():
                figures = summary(values)
                lines.append(
                    f"| {label} {series.removesuffix('_ms')} | {figures['n']} | {figures['p50']} | "
                    f"{figures['p90']} | {figures['p99']} | {figures['max']} |"
                )
        lines += [
            "",
            "Where the purge's time goes (seconds after the bulk delete was sent, when each stage was done):",
            "",
        ]
        for label, measured in systems.items():
            for kind in ("purge", "outage"):
                if kind not in measured:
                    continue
                run = measured[kind]
                stages = ", ".join(
                    f"{name} {at:.1f}"
                    for name, at in sorted(run["stage_done_s"].items(), key=lambda kv: kv[1])
                )
                lines.append(
                    f"- {label} {kind}: API answered {run['api_s']:.1f},"
                    f" last effect {run['last_effect_s']:.1f}; {stages}"
                )
        lines.append("")
    lines += [f"![{picture.stem}]({picture.name})" for picture in pictures]
    path.write_text("\n".join(lines) + "\n")
