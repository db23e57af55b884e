"""The naive shop as real processes: its database, its vhost, gunicorn and one Celery worker per job."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from pathlib import Path

import requests

from ripple_testing.broker import TestVhost
from ripple_testing.processes import ManagedProcess, wait_until
from ripple_testing.servers import WebhookReceiver, free_port
from tests_e2e.bench.data import JPEG_BYTES, MEDIA_NAMES
from tests_e2e.bench.harness import REPO_DIR, gunicorn_argv, run_checked
from tests_e2e.faults.databases import Databases

QUEUES = ("naive.media", "naive.search", "naive.notifications")
# Ripple's workers run with ripple.sh's default WORKER_CONCURRENCY; the naive ones get the same.
WORKER_CONCURRENCY = "2"


class NaiveSystem:
    """Everything the naive shop runs on; a context manager that removes it all again."""

    def __init__(self, tmp: Path, engine: str):
        """Choose names and ports; nothing starts before `__enter__`."""
        self.tmp, self.engine = tmp, engine
        self.media_root = tmp / "naive-media"
        self.databases = Databases(engine, f"naive_{secrets.token_hex(4)}", ["naive"], tmp)
        self.vhost = TestVhost(prefix="ripple-naive")
        self.receiver = WebhookReceiver()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._stack = contextlib.ExitStack()

    def env(self) -> dict[str, str]:
        """The environment of every naive process."""
        return {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "DJANGO_SETTINGS_MODULE": "tests_e2e.bench.naive.settings",
            "DATABASE_URL": self.databases.url("naive"),
            "BROKER_URL": self.vhost.url(),
            "MEDIA_ROOT": str(self.media_root),
            "NAIVE_WEBHOOK_URL": self.receiver.url("/hook"),
            "PYTHONUNBUFFERED": "1",
        }

    def __enter__(self) -> NaiveSystem:
        """Create the vhost, database and receiver, build the tables, start the API and the workers."""
        try:
            self.vhost.create()
            self._stack.callback(self.vhost.delete)
            self.receiver.start()
            self._stack.callback(self.receiver.stop)
            self.databases.create()
            self._stack.callback(self.databases.drop)
            self.media_root.mkdir(parents=True)
            self.django("migrate", "--run-syncdb", "-v0")
            self._start_processes()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        """Stop every process, drop the database and the vhost."""
        self._stack.close()

    def django(self, *args: str) -> str:
        """Run a Django management command of the naive shop; its stdout."""
        return run_checked([sys.executable, "-m", "django", *args], cwd=REPO_DIR, env=self.env())

    def _process(self, name: str, argv: list[str]) -> ManagedProcess:
        """Start one process, stopped again on exit."""
        process = ManagedProcess(argv, cwd=REPO_DIR, env=self.env(), log_path=self.tmp / f"naive-{name}.log")
        process.start()
        self._stack.callback(process.stop)
        return process

    def _start_processes(self) -> None:
        """gunicorn with the flags ripple.sh gives the catalog, and one worker per queue."""
        bin_dir = Path(sys.executable).parent
        self._process("api", gunicorn_argv("tests_e2e.bench.naive.wsgi:application", self.port))
        workers = []
        for queue in QUEUES:
            job = queue.split(".")[1]
            workers.append(
                self._process(
                    f"{job}-worker",
                    [
                        str(bin_dir / "celery"),
                        "-A",
                        "tests_e2e.bench.naive.celery",
                        "worker",
                        "-Q",
                        queue,
                        "-n",
                        f"naive-{job}@%h",
                        "--without-mingle",
                        "--without-gossip",
                        "--loglevel",
                        "INFO",
                        "--concurrency",
                        WORKER_CONCURRENCY,
                    ],
                )
            )
        for worker in workers:
            wait_until(lambda w=worker: " ready." in w.log(), timeout=120, what="naive worker ready")
        wait_until(lambda: _answers(f"{self.url}/healthz"), timeout=120, what="naive API up")

    def seed(self, prefix: str, count: int) -> list[int]:
        """`count` products with two images each (rows and files) and a search row; their ids."""
        snippet = f"from tests_e2e.bench.naive.shop.seed import seed; seed({prefix!r}, {int(count)})"
        ids = [int(pk) for pk in self.django("shell", "-c", snippet).splitlines()[-1].split()]
        for product_id in ids:
            folder = self.media_root / "products" / str(product_id)
            folder.mkdir(parents=True, exist_ok=True)
            for name in MEDIA_NAMES:
                (folder / name).write_bytes(JPEG_BYTES)
        return ids

    def search_rows(self, low: int, high: int) -> int:
        """Search rows left of the products with ids in [low, high]."""
        query = "SELECT count(*) FROM naive_shop_searchentry WHERE product_id BETWEEN %s AND %s"
        return self.databases.query("naive", query, low, high)[0][0]


def _answers(url: str) -> bool:
    """Does the URL answer 200 yet?"""
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False
