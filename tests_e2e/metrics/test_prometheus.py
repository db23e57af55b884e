"""A real Prometheus scrapes the system under `make dev`; PromQL over its HTTP API returns the run's counts.

The server is Debian's `/usr/bin/prometheus` (`make prometheus`), started with the committed
deploy/observability/prometheus.yml, its targets moved to this test's ports (the ripple job by
each target's `process` label, Flower with make dev's basic auth) and scraping every second.
The local broker has no rabbitmq_prometheus plugin, so the rabbitmq job is left out here.
"""

from __future__ import annotations

import shutil

import pytest
import requests
import yaml

from ripple_runtime.metrics.exposition import PORT_OFFSETS
from ripple_testing.processes import ManagedProcess, wait_until
from ripple_testing.servers import free_port
from tests_e2e.metrics.run import CONSUMERS, WORKER_SERVICES, facts
from tests_e2e.system import REPO_DIR, DevSystem

COMMITTED = REPO_DIR / "deploy" / "observability" / "prometheus.yml"


def adapted_config(system: DevSystem, password_file) -> dict:
    """The committed config with this run's targets: each process's metrics port, Flower's port and auth."""
    config = yaml.safe_load(COMMITTED.read_text())
    config["global"]["scrape_interval"] = "1s"
    jobs = []
    for job in config["scrape_configs"]:
        if job["job_name"] == "ripple":
            for group in job["static_configs"]:
                url = system.metrics_url(group["labels"]["process"])
                group["targets"] = [url.split("/")[2]]
        elif job["job_name"] == "flower":
            user, password = system.secrets["FLOWER_BASIC_AUTH"].split(":", 1)
            password_file.write_text(password)
            job["basic_auth"] = {"username": user, "password_file": str(password_file)}
            job["static_configs"][0]["targets"] = [f"127.0.0.1:{system.ports['flower']}"]
        else:
            continue  # rabbitmq: no plugin on the local broker
        jobs.append(job)
    config["scrape_configs"] = jobs
    return config


@pytest.fixture(scope="module")
def prometheus(observed, tmp_path_factory):
    """Prometheus on a free port scraping the observed system; its base URL. Stopped and removed after."""
    binary = shutil.which("prometheus")
    assert binary, "prometheus is missing: run `make prometheus` (Debian's prometheus package)"
    tmp = tmp_path_factory.mktemp("prometheus")
    config = tmp / "prometheus.yml"
    config.write_text(yaml.safe_dump(adapted_config(observed.system, tmp / "flower-password")))
    port = free_port()
    server = ManagedProcess(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        cwd=tmp,
        env={"PATH": "/usr/bin:/bin"},
        log_path=tmp / "prometheus.log",
    )
    server.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: ready(url), timeout=60, what="Prometheus to be ready")
        yield url
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def ready(url: str) -> bool:
    """Does Prometheus answer /-/ready?"""
    try:
        return requests.get(f"{url}/-/ready", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def query(url: str, promql: str) -> dict[str, float]:
    """An instant PromQL query: each result's value, keyed by its labels' values joined with `/`."""
    answer = requests.get(f"{url}/api/v1/query", params={"query": promql}, timeout=10).json()
    assert answer["status"] == "success", answer
    return {"/".join(r["metric"].values()): float(r["value"][1]) for r in answer["data"]["result"]}


def eventually(url: str, promql: str, expected: dict[str, float]) -> None:
    """Wait until a query returns `expected` (scrapes arrive each second); show the last answer if not."""
    seen: dict = {}

    def equal() -> bool:
        seen.update(answer=query(url, promql))
        return seen["answer"] == expected

    try:
        wait_until(equal, timeout=60, what=promql)
    except AssertionError:
        raise AssertionError(f"{promql}: {seen.get('answer')} != {expected}") from None


def test_prometheus_scrapes_every_process_and_flower(observed, prometheus):
    processes = {process: 1.0 for process in (*PORT_OFFSETS, "flower")}
    eventually(prometheus, "max by (process) (up)", processes)


def test_promql_returns_the_runs_counts(observed, prometheus):
    done = facts(observed.system)
    eventually(
        prometheus,
        'sum by (event_type) (ripple_relay_published_total{service="catalog"})',
        {event_type: float(n) for event_type, n in done.published["catalog"].items()},
    )
    eventually(
        prometheus,
        'sum by (service) (ripple_consumer_events_total{outcome="accepted"})',
        {service: float(sum(done.inbox[service].values())) for service in WORKER_SERVICES},
    )
    eventually(
        prometheus,
        'sum by (service) (ripple_events_dead_lettered_total{reason="invalid"})',
        {service: 1.0 for service in CONSUMERS},
    )
    eventually(
        prometheus,
        "sum by (channel, outcome, status_class) (ripple_notification_attempts_total)",
        {"/".join(key): float(n) for key, n in done.attempts.items()},
    )
    eventually(
        prometheus,
        'sum(ripple_http_requests_total{service="catalog", method="DELETE", status="204"})',
        {"": float(observed.deleted)},
    )
    eventually(
        prometheus, 'max by (service) (ripple_outbox_pending_rows{service="catalog"})', {"catalog": 0.0}
    )
