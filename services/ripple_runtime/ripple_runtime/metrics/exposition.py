"""Serve `/metrics` from one place per process tree, on the port ripple.sh gave it (METRICS_PORT).

ripple.sh starts every API, relay and worker with METRICS_PORT (METRICS_BASE_PORT plus the
role's offset) and a fresh PROMETHEUS_MULTIPROC_DIR of its own. The gunicorn master, the relay
and the Celery worker's main process serve what every process of their tree recorded there
(prometheus_client's multiprocess collector), plus their scrape-time gauges; a child that exits
is marked dead (its live gauges go, its counts stay). The serving process removes the directory
when it ends. Without a multiprocess directory, the process's own registry is served.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil

from prometheus_client import REGISTRY, CollectorRegistry, multiprocess, start_http_server
from prometheus_client.registry import Collector

from ripple_runtime import metrics

log = logging.getLogger(__name__)
PORT_VARIABLE = "METRICS_PORT"
DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# ripple.sh exports its own pid (the pid of the process it execs): that process owns the directory.
OWNER_VARIABLE = "RIPPLE_METRICS_DIR_OWNER"
DEFAULT_BASE_PORT = 9400
# Each process's port is METRICS_BASE_PORT plus its offset (deploy/entrypoints/ripple.sh says the same).
PORT_OFFSETS = {
    "catalog-api": 0,
    "catalog-relay": 1,
    "catalog-worker": 2,
    "media-worker": 3,
    "search-api": 4,
    "search-worker": 5,
    "notifications-api": 6,
    "notifications-worker": 7,
}


def registry(collectors: tuple[Collector, ...] = ()) -> CollectorRegistry:
    """What a scrape reads: every process's files in multiprocess mode (else this process), and collectors."""
    if os.environ.get(DIRECTORY_VARIABLE):
        served = CollectorRegistry()
        multiprocess.MultiProcessCollector(served)
    else:
        served = REGISTRY
    for collector in collectors:
        served.register(collector)
    return served


def serve(*collectors: Collector) -> int | None:
    """Serve `/metrics` on METRICS_PORT (bound like the APIs: RIPPLE_BIND_HOST); the port, or None if not.

    A port already taken is logged as an error and the process goes on without `/metrics`:
    metrics never stop a relay or a worker from doing its work.
    """
    port = os.environ.get(PORT_VARIABLE, "")
    if not metrics.ENABLED or not port or int(port) == 0:
        return None
    host = os.environ.get("RIPPLE_BIND_HOST", "127.0.0.1")
    try:
        start_http_server(int(port), addr=host, registry=registry(collectors))
    except OSError as exc:
        log.error("metrics: cannot serve on %s:%s (%s); this process runs without /metrics", host, port, exc)
        return None
    _remove_directory_at_exit()
    log.info("metrics at http://%s:%s/metrics", host, port)
    return int(port)


def process_exited(pid: int) -> None:
    """A child process of this tree ended: drop its live gauges (its counters and histograms stay)."""
    if metrics.ENABLED and os.environ.get(DIRECTORY_VARIABLE):
        multiprocess.mark_process_dead(pid)


def child_environment() -> dict[str, str]:
    """The environment for a child that records but must not serve (a worker's relay): no METRICS_PORT."""
    return {name: value for name, value in os.environ.items() if name != PORT_VARIABLE}


def _remove_directory_at_exit() -> None:
    """Remove the multiprocess directory when its owner (the process ripple.sh became) ends."""
    directory = os.environ.get(DIRECTORY_VARIABLE)
    owner = os.getpid()
    if directory and os.environ.get(OWNER_VARIABLE) == str(owner):
        atexit.register(lambda: os.getpid() == owner and shutil.rmtree(directory, ignore_errors=True))
