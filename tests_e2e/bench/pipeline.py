"""`make bench`, end to end: what a user waits for, with Ripple and with the naive pattern, in one run.

Per database engine (SQLite, PostgreSQL), Ripple's whole system (every process through ripple.sh,
tests_e2e.faults.system) and then the naive shop (tests_e2e.bench.naive: `post_delete` →
`task.delay()` for each job, workers of the same concurrency) are each measured on:

(a) DELETE latency and (b) single delete → all three effects observable (file gone, webhook
received, search hit gone), one delete at a time: the file and the receiver are looked at every
millisecond; the search API, whose every answer costs its server a few milliseconds of a 2-core
machine's CPU, every SEARCH_POLL_S while another effect is still awaited, then every millisecond;
the next delete starts once this one is settled (Ripple: its deletion complete) and QUIET_S later;
(c) a bulk purge of N products with two files each until the last effect, with every stage's
counters sampled meanwhile; (d, Ripple only) the same purge with the broker unreachable for its
first seconds, on a second system whose processes reach the broker through a proxy this process
cuts (the first system's connect directly, as the naive shop's do).

Results go to `--out` (default var/bench/pipeline/): pipeline.json (every raw sample), report.md,
latency.png and throughput-<engine>.png; the table is printed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tqdm import tqdm

from tests_e2e.bench import charts
from tests_e2e.bench.harness import REPO_DIR
from tests_e2e.bench.naive.system import NaiveSystem
from tests_e2e.bench.report import Row, at_least, at_most, render, summary, write_json
from tests_e2e.bench.subjects import MEDIA_PER_PRODUCT, NaiveSubject, RippleSubject, files_left
from tests_e2e.faults.brokers import DirectBroker, ProxiedBroker
from tests_e2e.faults.system import WholeSystem

EFFECTS = ("file", "webhook", "search")
TARGET_SINGLE_P50_MS, TARGET_SINGLE_P99_MS, TARGET_SINGLE_VS_NAIVE = 60.0, 150.0, 1.5
TARGET_PURGE_S = {"postgres": 15.0, "sqlite": 30.0}
TARGET_PURGE_VS_NAIVE = 3.0
EFFECT_TIMEOUT_S = 30.0
SEARCH_POLL_S = 0.01  # while the file or the webhook is still awaited: the poller must not load the machine
QUIET_S = 0.1  # after a single delete's work is done, before the next one


def single_deletes(subject, ids: list[int], warmup: int, bar: tqdm) -> dict[str, list[float]]:
    """Delete products one at a time; time each DELETE and each until all its effects are observable.

    Each delete starts on a quiet system: once the one before it is settled (for Ripple: its
    deletion complete, every receipt folded) and QUIET_S later, so that what is timed is one
    delete's path, not the bookkeeping of the one before (a stream is the purge's business).
    """
    samples: dict[str, list[float]] = {"api_ms": [], "all_effects_ms": [], **{f"{e}_ms": [] for e in EFFECTS}}
    for index, product_id in enumerate(ids):
        hooks_before = subject.webhooks()
        started = time.perf_counter()
        answer = subject.session.delete(subject.delete_url(product_id), timeout=30)
        answered, pending, seen_at = time.perf_counter(), set(EFFECTS), {}
        if answer.status_code != 204:
            raise RuntimeError(f"{subject.label}: DELETE {product_id} answered {answer.status_code}")
        searched_at = 0.0
        while pending:
            seen = set()
            if "file" in pending and files_left(subject.media_root, [product_id]) == 0:
                seen.add("file")
            if "webhook" in pending and subject.webhooks() > hooks_before:
                seen.add("webhook")
            if "search" in pending and (
                pending - seen == {"search"} or time.perf_counter() - searched_at >= SEARCH_POLL_S
            ):
                searched_at = time.perf_counter()
                if not subject.search_hit(product_id):
                    seen.add("search")
            for effect in seen:
                seen_at[effect] = time.perf_counter()
            pending -= seen
            if time.perf_counter() > started + EFFECT_TIMEOUT_S:
                raise RuntimeError(
                    f"{subject.label}: product {product_id}: {sorted(pending)} not seen in time"
                )
            time.sleep(0.001)
        subject.settle(answer)
        time.sleep(QUIET_S)
        if index >= warmup:
            samples["api_ms"].append((answered - started) * 1000)
            samples["all_effects_ms"].append((max(seen_at.values()) - started) * 1000)
            for effect, at in seen_at.items():
                samples[f"{effect}_ms"].append((at - started) * 1000)
        bar.update(1)
    return samples


def purge(subject, ids: list[int], bar: tqdm, every: float, timeout: float, outage=None) -> dict:
    """Bulk-delete the products; sample every stage until every effect is seen; the run's figures.

    `outage`, if given, is (cut, restore, seconds): the broker link is cut just before the
    request and restored `seconds` later.
    """
    low, high = min(ids), max(ids)
    hooks_before, pending = subject.webhooks(), set(ids)
    owed = {"files": MEDIA_PER_PRODUCT * len(ids), "search rows": len(ids), "webhooks": len(ids)}
    answer: dict = {}

    def request() -> None:
        """The bulk delete itself, in a thread of its own so that sampling goes on meanwhile."""
        response = subject.bulk_delete(ids)
        answer.update(status=response.status_code, body=response.text[:300], at=time.perf_counter())

    if outage is not None:
        cut, restore, seconds = outage
        cut()
        threading.Timer(seconds, restore).start()
    started = time.perf_counter()
    caller = threading.Thread(target=request, daemon=True)
    caller.start()
    timeline, done_at = [], None
    while done_at is None:
        now = time.perf_counter() - started
        per_product = {pid: files_left(subject.media_root, [pid]) for pid in pending}
        pending = {pid for pid, count in per_product.items() if count}
        left = sum(per_product.values())
        effects = {
            "files removed": owed["files"] - left,
            "search rows removed": owed["search rows"] - subject.search_rows(low, high),
            "webhooks received": subject.webhooks() - hooks_before,
        }
        timeline.append({"t": round(now, 3), **effects, **subject.stages()})
        bar.n = sum(effects.values())
        bar.refresh()
        if "status" in answer and answer["status"] != 200:
            raise RuntimeError(f"{subject.label}: bulk delete answered {answer['status']}: {answer['body']}")
        if all(effects[name] >= owed[key] for name, key in zip(effects, owed, strict=True)):
            done_at = now
        elif now > timeout:
            raise RuntimeError(f"{subject.label}: purge not finished after {timeout:.0f} s: {timeline[-1]}")
        else:
            time.sleep(every)
    caller.join(timeout=60)
    return {
        "products": len(ids),
        "api_s": round(answer["at"] - started, 3),
        "last_effect_s": round(done_at, 3),
        "stage_done_s": stage_done(timeline),
        "timeline": timeline,
    }


def stage_done(timeline: list[dict]) -> dict[str, float]:
    """For each counter that moves: the sample time at which it reached its final value."""
    done = {}
    for name in timeline[-1]:
        if name == "t" or name.startswith("queue "):
            continue
        final = timeline[-1][name]
        if final == timeline[0][name]:
            continue
        done[name] = next(sample["t"] for sample in timeline if sample[name] == final)
    return done


def measure_ripple(engine: str, args, results: dict) -> None:
    """Ripple's whole system on one engine: single deletes and the purge, then the purge during an outage.

    The first two run on a system whose processes reach the broker directly, as the naive shop's
    do; the outage needs the proxy, which pumps every byte in a thread of this process (a cost the
    other figures must not carry), so it gets a system of its own.
    """
    env = {"BULK_DELETE_MAX_PRODUCTS": str(max(args.products, 10_000))}
    with ripple_system(engine, env, DirectBroker()) as subject:
        results["singles"] = run_singles(subject, engine, args)
        results["purge"] = run_purge(subject, engine, args, "purge")
    if not args.skip_outage:
        with ripple_system(engine, env, ProxiedBroker()) as subject:
            proxy = subject.system.proxy
            outage = (proxy.cut, proxy.restore, args.outage_seconds)
            results["outage"] = run_purge(subject, engine, args, "outage", outage)


@contextlib.contextmanager
def ripple_system(engine: str, env: dict[str, str], broker) -> Iterator[RippleSubject]:
    """Ripple's whole system on one engine and broker, with its search API and a webhook subscriber."""
    with (
        tempfile.TemporaryDirectory(prefix="ripple-bench-pipeline-") as tmp,
        WholeSystem(Path(tmp), engine, broker=broker, extra_env=env, subscribe=False) as system,
    ):
        system.start("search-api")
        system.subscribe_webhook()
        subject = RippleSubject(system)
        try:
            yield subject
        finally:
            subject.close()


def measure_naive(engine: str, args, results: dict) -> None:
    """The naive shop on one engine: single deletes and the purge."""
    with (
        tempfile.TemporaryDirectory(prefix="ripple-bench-naive-") as tmp,
        NaiveSystem(Path(tmp), engine) as system,
    ):
        subject = NaiveSubject(system)
        try:
            results["singles"] = run_singles(subject, engine, args)
            results["purge"] = run_purge(subject, engine, args, "purge")
        finally:
            subject.close()


def run_singles(subject, engine: str, args) -> dict[str, list[float]]:
    """Seed and time the single deletes, with a progress bar."""
    ids = subject.seed_singles(f"ONE{subject.label.upper()}{engine.upper()}", args.warmup + args.singles)
    with tqdm(total=len(ids), desc=f"{engine} {subject.label}: single deletes", unit="delete") as bar:
        return single_deletes(subject, ids, args.warmup, bar)


def run_purge(subject, engine: str, args, kind: str, outage=None) -> dict:
    """Seed and run one purge, with a progress bar over every effect owed."""
    ids = subject.seed_purge(f"{kind.upper()}{subject.label.upper()}{engine.upper()}", args.products)
    desc = f"{engine} {subject.label}: {kind} of {len(ids):,}"
    with tqdm(total=(MEDIA_PER_PRODUCT + 2) * len(ids), desc=desc, unit="effect") as bar:
        return purge(subject, ids, bar, args.sample_every, args.timeout, outage)


def rows_for(engine: str, ripple: dict, naive: dict | None) -> list[Row]:
    """The table's rows of one engine, judged against the issue's targets."""
    single = summary(ripple["singles"]["all_effects_ms"])
    api = summary(ripple["singles"]["api_ms"])
    rows = [
        Row(f"{engine} ripple: DELETE, p50 / p99", api["p50"], f"ms / {api['p99']:.1f} ms"),
        at_most(
            f"{engine} ripple: single delete -> 3 effects, p50", single["p50"], "ms", TARGET_SINGLE_P50_MS
        ),
        at_most(
            f"{engine} ripple: single delete -> 3 effects, p99", single["p99"], "ms", TARGET_SINGLE_P99_MS
        ),
    ]
    products = ripple["purge"]["products"]
    rows.append(
        at_most(
            f"{engine} ripple: purge of {products:,} -> last effect",
            ripple["purge"]["last_effect_s"],
            "s",
            TARGET_PURGE_S[engine],
        )
    )
    if "outage" in ripple:
        rows.append(
            Row(f"{engine} ripple: same purge, broker away first", ripple["outage"]["last_effect_s"], "s")
        )
    if naive is not None:
        naive_single = summary(naive["singles"]["all_effects_ms"])
        naive_api = summary(naive["singles"]["api_ms"])
        rows += [
            Row(f"{engine} naive: DELETE, p50 / p99", naive_api["p50"], f"ms / {naive_api['p99']:.1f} ms"),
            Row(f"{engine} naive: single delete -> 3 effects, p50", naive_single["p50"], "ms"),
            at_most(
                f"{engine} ripple / naive, single delete p50",
                single["p50"] / naive_single["p50"],
                "x",
                TARGET_SINGLE_VS_NAIVE,
            ),
            Row(
                f"{engine} naive: purge of {products:,} -> last effect", naive["purge"]["last_effect_s"], "s"
            ),
            at_least(
                f"{engine} naive / ripple, purge",
                naive["purge"]["last_effect_s"] / ripple["purge"]["last_effect_s"],
                "x",
                TARGET_PURGE_VS_NAIVE,
            ),
        ]
    return rows


def parse(argv: list[str]) -> argparse.Namespace:
    """The bench's flags."""
    parser = argparse.ArgumentParser(
        prog="python -m tests_e2e.bench.pipeline", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--singles", type=int, default=60, help="single deletes measured per system (60)")
    parser.add_argument("--warmup", type=int, default=5, help="single deletes before those, not counted (5)")
    parser.add_argument("--products", type=int, default=10_000, help="products of each purge, 2 files each")
    parser.add_argument("--engines", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument("--skip-naive", action="store_true", help="measure Ripple only")
    parser.add_argument("--skip-outage", action="store_true", help="no purge with the broker away")
    parser.add_argument("--outage-seconds", type=float, default=10.0, help="broker away for (10 s)")
    parser.add_argument("--sample-every", type=float, default=0.5, help="seconds between samples (0.5)")
    parser.add_argument("--timeout", type=float, default=900.0, help="give up on a purge after (900 s)")
    parser.add_argument(
        "--out", type=Path, default=REPO_DIR / "var" / "bench" / "pipeline", help="results folder"
    )
    args = parser.parse_args(argv)
    args.engines = [engine.strip() for engine in args.engines.split(",") if engine.strip()]
    unknown = set(args.engines) - set(TARGET_PURGE_S)
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    return args


def publish(results: dict, args: argparse.Namespace) -> str:
    """Write the JSON, report and charts of every system measured so far; the table."""
    finished = {
        engine: {label: measured for label, measured in systems.items() if "purge" in measured}
        for engine, systems in results.items()
    }
    finished = {engine: systems for engine, systems in finished.items() if "ripple" in systems}
    if not finished:
        return ""
    rows = [row for engine, s in finished.items() for row in rows_for(engine, s["ripple"], s.get("naive"))]
    table = render(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "pipeline.json", rows, finished, benchmark="pipeline")
    pictures = charts.draw(finished, args.out)
    charts.write_report(args.out / "report.md", table, finished, pictures, vars(args))
    return table


def main(argv: list[str]) -> int:
    """Measure every engine asked for; after each system, write what is measured so far; print the table."""
    args = parse(argv)
    # SIGTERM (a timeout, Ctrl-C's cousin) unwinds like an exception: every process and database is removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results: dict[str, dict] = {}
    for engine in args.engines:
        results[engine] = {"ripple": {}}
        measure_ripple(engine, args, results[engine]["ripple"])
        publish(results, args)
        if not args.skip_naive:
            results[engine]["naive"] = {}
            measure_naive(engine, args, results[engine]["naive"])
            publish(results, args)
    print(publish(results, args))
    print(f"results: {args.out}/ (pipeline.json, report.md, latency.png, throughput-<engine>.png)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
