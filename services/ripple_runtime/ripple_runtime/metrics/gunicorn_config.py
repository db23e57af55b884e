"""gunicorn's metrics hooks, as ripple.sh loads them (`-c python:ripple_runtime.metrics.gunicorn_config`).

The master serves `/metrics` for all its workers, which record in multiprocess mode; a worker
that exits is marked dead, so its live gauges go and its counts stay.
"""

from __future__ import annotations

from ripple_runtime.metrics import exposition


def when_ready(server) -> None:
    """The master is up (no worker forked yet): serve every worker's metrics from here."""
    exposition.serve()


def child_exit(server, worker) -> None:
    """A worker ended (in the master): mark it dead."""
    exposition.process_exited(worker.pid)
