"""Run a service's real entry points (relay, worker, server) as subprocesses in tests, and wait on them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def wait_until(predicate: Callable[[], object], timeout: float = 30.0, what: str = "condition"):
    """Poll `predicate` until it returns something truthy, or fail after `timeout` (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def django_database_url(connection) -> str:
    """The URL of the database a Django connection uses (the test database, inside a test)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class ManagedProcess:
    """A subprocess with its own environment and log file, stopped politely or killed."""

    def __init__(self, argv: Sequence[str], *, cwd: Path, env: dict[str, str], log_path: Path):
        """Remember how to start it."""
        self.argv = list(argv)
        self.cwd = cwd
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self._log = None

    def start(self) -> ManagedProcess:
        """Start the process, its output going to the log file."""
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill() takes its children too
        )
        return self

    def kill(self) -> None:
        """SIGKILL the process and its children: no chance to finish, ack or say goodbye."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def interrupt(self, timeout: float = 30.0) -> int:
        """Ctrl-C, as a terminal sends it: SIGINT to the whole process group; return the exit code."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self.stop()

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, wait for a clean exit, kill if it hangs; return the exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
        return self.process.returncode

    def log(self) -> str:
        """What the process wrote so far."""
        return self.log_path.read_text(errors="replace")
