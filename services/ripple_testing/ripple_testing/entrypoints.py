"""Start a service's processes in tests through the real entry point, deploy/entrypoints/ripple.sh."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ripple_testing.processes import ManagedProcess

REPO_DIR = Path(__file__).resolve().parents[3]
RIPPLE_SH = REPO_DIR / "deploy" / "entrypoints" / "ripple.sh"


@contextmanager
def ripple_processes(
    service: str, env: dict[str, str], log_dir: Path
) -> Iterator[Callable[..., ManagedProcess]]:
    """Yield `start(role="worker", **env_overrides)`; every process started is stopped on exit.

    Each runs `ripple.sh SERVICE ROLE` exactly as compose and `make dev` do, with this
    interpreter's virtualenv first on PATH.
    """
    started: list[ManagedProcess] = []

    def start(role: str = "worker", **overrides: str) -> ManagedProcess:
        process_env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "WORKER_CONCURRENCY": "2",
            **env,
            **overrides,
        }
        process = ManagedProcess(
            ["bash", str(RIPPLE_SH), service, role],
            cwd=REPO_DIR,
            env=process_env,
            log_path=log_dir / f"{service}-{role}-{len(started)}.log",
        )
        started.append(process.start())
        return process

    try:
        yield start
    finally:
        for process in started:
            process.stop()
