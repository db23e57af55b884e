"""The benchmark's own vhost, database and processes (gunicorn API, outbox relay), torn down afterwards."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import requests

from ripple_testing.broker import TestVhost

REPO_DIR = Path(__file__).resolve().parents[2]
CATALOG_DIR = REPO_DIR / "services" / "catalog"
VENV_BIN = REPO_DIR / ".venv" / "bin"
PG_SERVER_URL = os.environ.get("RIPPLE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
# Nothing listens on port 1: connecting fails at once, as when the broker is down.
DEAD_BROKER_URL = "amqp://guest:guest@127.0.0.1:1//"
ADMIN_USER = "bench-admin"
GUNICORN_TIMEOUT = 300


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) a process and its live descendants used so far, reaped children included.

    Read from /proc at a moment of the run, so a bench can count only the span it measures (not a
    worker's start-up or shutdown). On this 2-core machine, whose disk and database a run shares,
    CPU time per event varies far less between identical rounds than wall time does.
    """
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        # after the command: state ppid … utime(12) stime(13) cutime(14) cstime(15), 0-based from state
        parents[int(entry.name)] = int(fields[1])
        ticks[int(entry.name)] = sum(int(value) for value in fields[11:15])
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent and child not in tree]
        tree.update(children)
        frontier += children
    return sum(ticks.get(member, 0) for member in tree) / os.sysconf("SC_CLK_TCK")


class SetupError(RuntimeError):
    """The benchmark could not build its environment; nothing was measured."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30.0, every: float = 0.05) -> None:
    """Poll `check` until it holds; raise SetupError naming `what` when the deadline passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise SetupError(f"timed out after {timeout:.0f}s waiting for {what}")


class Process:
    """A child process of the benchmark with its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_path: Path):
        """Start the process in the catalog folder; its stdout and stderr go to `log_path`."""
        self.name = name
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                args, cwd=CATALOG_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.popen.pid

    def running(self) -> bool:
        """Whether the process has not exited yet."""
        return self.popen.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, wait up to `timeout` seconds, then SIGKILL."""
        if not self.running():
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)

    def tail(self, lines: int = 25) -> str:
        """The last lines of the process's log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class BenchEnv:
    """One benchmark run's world: a vhost, a database, a media folder and the processes using them."""

    def __init__(self):
        """Choose names; nothing is created before `setup()`."""
        self.tmp = Path(tempfile.mkdtemp(prefix="ripple-bench-"))
        self.media_root = self.tmp / "media"
        self.db_name = f"ripple_bench_{secrets.token_hex(5)}"
        self.db_url = f"{PG_SERVER_URL}/{self.db_name}"
        self.vhost = TestVhost(prefix="ripple-bench")
        self.token = secrets.token_hex(20)
        self.admin_password = secrets.token_urlsafe(16)
        self.secret_key = secrets.token_urlsafe(40)
        self.processes: list[Process] = []
        self.db: psycopg.Connection | None = None
        self.api_url = ""
        self.extra_env: dict[str, str] = {}  # what the next processes get besides env() (metrics on or off)
        self._vhost_created = self._db_created = False

    @property
    def broker_url(self) -> str:
        """The AMQP URL of this run's vhost."""
        return self.vhost.url()

    def setup(self) -> None:
        """Create the vhost and the database, migrate it and create the admin with its token."""
        self.vhost.create()
        self._vhost_created = True
        with psycopg.connect(f"{PG_SERVER_URL}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self._db_created = True
        for folder in (self.media_root, self.tmp / "static", self.tmp / "logs"):
            folder.mkdir(parents=True, exist_ok=True)
        self.manage("migrate", "--noinput", "-v0")
        self.manage("ensure_admin")
        self.db = psycopg.connect(self.db_url, autocommit=True)

    def teardown(self) -> None:
        """Stop every process, drop the database and the vhost, remove the temp folder."""
        steps = [process.stop for process in reversed(self.processes)]
        if self.db is not None:
            steps.append(self.db.close)
        if self._db_created:
            steps.append(self._drop_database)
        if self._vhost_created:
            steps.append(self.vhost.delete)
        for step in steps:  # one failing step must not leave the others undone
            try:
                step()
            except Exception as exc:
                print(f"cleanup: {step.__qualname__} failed: {exc}", file=sys.stderr)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _drop_database(self) -> None:
        """Drop this run's database, closing whatever still connects to it."""
        with psycopg.connect(f"{PG_SERVER_URL}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def env(self, broker_url: str | None = None) -> dict[str, str]:
        """The environment of every catalog process of this run."""
        return {
            **os.environ,
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "DATABASE_URL": self.db_url,
            "BROKER_URL": broker_url or self.broker_url,
            "DJANGO_SECRET_KEY": self.secret_key,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_DEBUG": "0",
            "MEDIA_ROOT": str(self.media_root),
            "STATIC_ROOT": str(self.tmp / "static"),
            "RIPPLE_VAR_DIR": str(self.tmp),
            "RIPPLE_ADMIN_USER": ADMIN_USER,
            "RIPPLE_ADMIN_PASSWORD": self.admin_password,
            "RIPPLE_ADMIN_TOKEN": self.token,
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def manage(self, *args: str) -> None:
        """Run a `manage.py` command to completion; raise SetupError with its output if it fails."""
        run_checked([python(), "manage.py", *args], cwd=CATALOG_DIR, env=self.env(), timeout=300)

    def _start(self, name: str, args: list[str], broker_url: str) -> Process:
        """Start a catalog process and remember it for teardown."""
        log_path = self.tmp / "logs" / f"{len(self.processes):02d}-{name}.log"
        process = Process(name, args, self.env(broker_url), log_path)
        self.processes.append(process)
        return process

    def start_api(self, broker_url: str) -> Process:
        """Serve the catalog with gunicorn (the flags of deploy/entrypoints/catalog-api.sh) on a free port."""
        port = free_port()
        self.api_url = f"http://127.0.0.1:{port}"
        process = self._start(
            "catalog-api",
            [*gunicorn_argv("catalog_site.wsgi:application", port), "--access-logfile", "-"],
            broker_url,
        )

        def answers() -> bool:
            """Both the process and its /healthz are up."""
            if not process.running():
                raise SetupError(f"gunicorn exited:\n{process.tail()}")
            try:
                return requests.get(f"{self.api_url}/healthz", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        wait_for(answers, "the catalog API's /healthz")
        return process

    def start_relay(self, broker_url: str, *, connected: bool = True) -> Process:
        """Run `manage.py relay_outbox`; wait for its first heartbeat (connected to the broker or not)."""
        process = self._start("relay-outbox", [python(), "manage.py", "relay_outbox"], broker_url)
        relay_id = f"{socket.gethostname()}:{process.pid}"

        def beating() -> bool:
            """The relay wrote a heartbeat with the expected broker state."""
            if not process.running():
                raise SetupError(f"relay_outbox exited:\n{process.tail()}")
            row = self.db.execute(
                "SELECT broker_connected FROM outbox_relayheartbeat WHERE relay_id = %s", (relay_id,)
            ).fetchone()
            return row is not None and row[0] is connected

        wait_for(beating, "the relay's heartbeat")
        return process

    def session(self) -> requests.Session:
        """A keep-alive HTTP session authenticated with the admin's token."""
        session = requests.Session()
        session.headers["Authorization"] = f"Token {self.token}"
        return session


def gunicorn_argv(application: str, port: int, timeout: int = GUNICORN_TIMEOUT) -> list[str]:
    """gunicorn serving `application` on 127.0.0.1:`port` with the flags ripple.sh gives an API."""
    return [
        str(VENV_BIN / "gunicorn"),
        application,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        os.environ.get("GUNICORN_WORKERS", "2"),
        "--threads",
        os.environ.get("GUNICORN_THREADS", "4"),
        "--timeout",
        str(timeout),
        "--forwarded-allow-ips",
        "127.0.0.1",
        "--no-control-socket",  # the default path is shared by every gunicorn of the user
    ]


def run_checked(argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 900) -> str:
    """Run a command to completion and return its stdout; SetupError with its output if it fails."""
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise SetupError(f"{' '.join(argv[:4])} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def python() -> str:
    """The virtualenv's interpreter (the one `make install` builds), else the current one."""
    candidate = VENV_BIN / "python"
    return str(candidate) if candidate.exists() else sys.executable
