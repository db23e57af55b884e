"""Benchmark: each consuming service alone drains 10,000 queued events (`make bench`).

For every service: a vhost and a PostgreSQL database of its own, the events published before the
worker starts, then the real worker (`celery -A <service>_site.celery worker`) drains the queue.
The rate is events over the span between the first and the last inbox row (ProcessedEvent), so
worker start-up is not counted; a service whose work continues after the inbox (notifications'
webhook calls) is timed until that work is done too.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from ripple_testing.broker import TestVhost, publish_events
from ripple_testing.processes import ManagedProcess, wait_until
from tests_e2e.bench import scenarios
from tests_e2e.bench.harness import tree_cpu_seconds
from tests_e2e.bench.report import Row, at_least, render, write_json

REPO_DIR = Path(__file__).resolve().parents[2]
PG_SERVER_URL = os.environ.get("RIPPLE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
EVENTS = int(os.environ.get("RIPPLE_BENCH_EVENTS", "10000"))
TARGETS = {"media": 1000, "search": 1000, "notifications": 300}


@dataclass
class ServiceRun:
    """One service's isolated world for one measurement."""

    service: str
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ripple-bench-")))
    vhost: TestVhost = field(default_factory=lambda: TestVhost(prefix="ripple-bench"))
    db_name: str = field(default_factory=lambda: f"ripple_bench_{secrets.token_hex(5)}")
    cleanups: list = field(default_factory=list)

    @property
    def folder(self) -> Path:
        """The service's folder (where manage.py is)."""
        return REPO_DIR / "services" / self.service

    @property
    def db_url(self) -> str:
        """The service's benchmark database."""
        return f"{PG_SERVER_URL}/{self.db_name}"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of the service's processes."""
        return {
            **os.environ,
            "DATABASE_URL": self.db_url,
            "BROKER_URL": self.vhost.url(),
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(32),
            "MEDIA_ROOT": str(self.tmp / "media"),
            "RIPPLE_VAR_DIR": str(self.tmp),
            "LOG_LEVEL": "WARNING",
            **extra,
        }

    def manage(self, *args: str, **extra: str) -> str:
        """Run a manage.py command of the service to completion and return its output."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.folder,
            env=self.env(**extra),
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def __enter__(self) -> ServiceRun:
        """Create the vhost and the database and migrate it."""
        self.vhost.create()
        with psycopg.connect(f"{PG_SERVER_URL}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        (self.tmp / "media").mkdir()
        self.manage("migrate", "--noinput", "-v0")
        return self

    def __exit__(self, *exc) -> None:
        """Drop the database and the vhost, remove the files."""
        for cleanup in self.cleanups:
            cleanup()
        with psycopg.connect(f"{PG_SERVER_URL}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        self.vhost.delete()
        shutil.rmtree(self.tmp, ignore_errors=True)


def scalar(db: psycopg.Connection, sql: str) -> object:
    """The single value a query returns."""
    return db.execute(sql).fetchone()[0]


@dataclass(frozen=True)
class Drained:
    """One drain: events per second over the processing span, and the worker's CPU per event."""

    rate: float
    cpu_ms_per_event: float


def drain(run: ServiceRun, extra_env: dict[str, str], done: Callable[[psycopg.Connection], bool]) -> Drained:
    """Start the worker, wait until `done`; its rate, and its CPU from the first inbox row to `done`."""
    argv = [sys.executable, "-m", "celery", "-A", f"{run.service}_site.celery", "worker"]
    log_level = extra_env.get("LOG_LEVEL", "WARNING")
    argv += ["-l", log_level, "-n", f"bench-{run.service}@%h", "--concurrency", "2", "--without-mingle"]
    worker = ManagedProcess(argv, cwd=run.folder, env=run.env(**extra_env), log_path=run.tmp / "worker.log")
    worker.start()
    try:
        with psycopg.connect(run.db_url, autocommit=True) as db:
            wait_until(lambda: scalar(db, scenarios.PROCESSED), timeout=120, what="a first event")
            cpu_before = tree_cpu_seconds(worker.process.pid)
            wait_until(lambda: done(db), timeout=600, what=f"{run.service} to drain {EVENTS} events")
            cpu = tree_cpu_seconds(worker.process.pid) - cpu_before
            span = scalar(db, scenarios.SPAN_SQL[run.service])
    finally:
        worker.stop()
    return Drained(EVENTS / max(float(span), 1e-6), cpu * 1000 / EVENTS)


def drain_rate(service: str, worker_env: dict[str, str] | None = None) -> Drained:
    """Queue EVENTS events for one service, let its worker (with `worker_env` added) drain them."""
    with ServiceRun(service) as run:
        scenario = scenarios.SCENARIOS[service]
        events, extra_env, stop = scenario(run, EVENTS)
        started = time.monotonic()
        for start in range(0, len(events), 1000):
            publish_events(run.vhost, events[start : start + 1000])
        print(f"{service}: queued {len(events)} events in {time.monotonic() - started:.1f}s", flush=True)
        return drain(run, {**extra_env, **(worker_env or {})}, stop)


def measure(service: str) -> Row:
    """Queue EVENTS events for one service, let its worker drain them, return the judged row."""
    rate = drain_rate(service).rate
    return at_least(f"{service}: drain {EVENTS:,} queued events", rate, "events/s", TARGETS[service])


def main(argv: list[str]) -> int:
    """Measure the services named on the command line (all three by default) and print the table."""
    rows = [measure(service) for service in (argv or list(TARGETS))]
    print(render(rows))
    write_json(REPO_DIR / "var" / "bench" / "consumers.json", rows, {"events": EVENTS}, benchmark="consumers")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
