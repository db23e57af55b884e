"""The committed observability files agree with the code: Prometheus's config, the dashboard, compose.

promtool (Debian's `prometheus` package, `make prometheus`) checks the scrape config; every metric
a dashboard query names exists in Ripple's registry; the README's metrics table lists exactly
those metrics; the ports of ripple.sh, the runtime and prometheus.yml are one scheme; and the
compose profile `observability` adds Prometheus and Grafana without touching the default stack.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import yaml

from ripple_runtime import metrics
from ripple_runtime.metrics.exposition import DEFAULT_BASE_PORT, PORT_OFFSETS
from tests_e2e.system import REPO_DIR

OBSERVABILITY = REPO_DIR / "deploy" / "observability"
PROMETHEUS_YML = OBSERVABILITY / "prometheus.yml"
DASHBOARDS = sorted((OBSERVABILITY / "grafana" / "dashboards").glob("*.json"))
METRIC_NAME = re.compile(r"\b(ripple_[a-z_]+)\b")
HISTOGRAM_SERIES = re.compile(r"_(bucket|count|sum)$")
PROMETHEUS_OWN = {"up"}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    """Run Debian's promtool (installed by `make prometheus`, which `make test` runs first)."""
    binary = shutil.which("promtool")
    assert binary, "promtool is missing: run `make prometheus` (Debian's prometheus package)"
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60, check=False)


def dashboard_queries(path) -> list[str]:
    """Every PromQL expression of a Grafana dashboard, nested rows included."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("expr"), str):
                found.append(node["expr"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(path.read_text()))
    return found


def series_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads, as Ripple's registry names them (no _bucket etc.)."""
    names = set(METRIC_NAME.findall(expr))
    return {HISTOGRAM_SERIES.sub("", name) if name not in metrics.exposed() else name for name in names}


def test_promtool_accepts_the_committed_scrape_config():
    result = promtool("check", "config", str(PROMETHEUS_YML))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_rejects_a_broken_copy(tmp_path):
    broken = tmp_path / "prometheus.yml"
    broken.write_text(PROMETHEUS_YML.read_text().replace("scrape_interval: 15s", "scrape_interval: soon"))
    assert promtool("check", "config", str(broken)).returncode != 0


def test_every_metric_a_dashboard_queries_is_in_ripples_registry():
    assert DASHBOARDS, "no dashboard committed"
    known = set(metrics.exposed())
    for dashboard in DASHBOARDS:
        queries = dashboard_queries(dashboard)
        assert len(queries) >= 10, dashboard
        used = set().union(*(series_names(q) for q in queries))
        assert used - known == set(), f"{dashboard.name} queries metrics Ripple does not have"
        assert used >= {"ripple_outbox_pending_rows", "ripple_consumer_events_total"}, used
        assert all(METRIC_NAME.search(q) or q in PROMETHEUS_OWN for q in queries)


def test_the_dashboard_check_finds_an_unknown_metric():
    assert series_names("rate(ripple_relay_publishd_total[5m])") - set(metrics.exposed())
    assert not series_names(
        "histogram_quantile(0.9, rate(ripple_handler_duration_seconds_bucket[5m]))"
    ) - set(metrics.exposed())


def test_the_readme_metrics_table_lists_exactly_the_registry():
    section = (REPO_DIR / "README.md").read_text().split("\n### Metrics\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|") for line in section.splitlines() if line.startswith("| `ripple_")]
    documented = {row[1].strip().strip("`"): row[2].strip() for row in rows}
    assert documented == metrics.exposed()


def test_ripple_sh_the_runtime_and_prometheus_yml_share_one_port_scheme():
    script = (REPO_DIR / "deploy" / "entrypoints" / "ripple.sh").read_text()
    offsets = {
        f"{service}-{role}": int(n)
        for service, role, n in re.findall(r'"(\w+) (\w+)"\) echo (\d+) ;;', script)
    }
    assert offsets == PORT_OFFSETS
    assert f"METRICS_BASE_PORT:-{DEFAULT_BASE_PORT}" in script
    config = yaml.safe_load(PROMETHEUS_YML.read_text())
    ripple_job = next(job for job in config["scrape_configs"] if job["job_name"] == "ripple")
    targets = {group["labels"]["process"]: group["targets"] for group in ripple_job["static_configs"]}
    assert targets == {name: [f"{name}:{DEFAULT_BASE_PORT + n}"] for name, n in PORT_OFFSETS.items()}


def test_the_observability_profile_adds_prometheus_and_grafana_and_publishes_no_metrics_port():
    compose = yaml.safe_load((REPO_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    profiled = {name for name, svc in services.items() if svc.get("profiles")}
    assert profiled == {"prometheus", "grafana"}
    assert all(services[name]["profiles"] == ["observability"] for name in profiled)
    published = [port for svc in services.values() for port in svc.get("ports", [])]
    assert all(port.startswith("127.0.0.1:") for port in published)
    metrics_ports = {str(DEFAULT_BASE_PORT + n) for n in PORT_OFFSETS.values()}
    assert not [port for port in published if port.rsplit(":", 1)[-1] in metrics_ports]
    mounted = " ".join(services["grafana"]["volumes"] + services["prometheus"]["volumes"])
    assert "./deploy/observability/prometheus.yml:" in mounted and "grafana/dashboards:" in mounted


def test_the_prometheus_entrypoint_writes_flowers_user_and_password(tmp_path):
    compose = yaml.safe_load((REPO_DIR / "docker-compose.yml").read_text())
    script = compose["services"]["prometheus"]["entrypoint"][2]
    # as compose hands it to sh ($$ is a literal $), with the paths moved and no Prometheus to exec
    script = script.replace("$$", "$").replace("/tmp/ripple", str(tmp_path / "run"))  # noqa: S108
    script = script.replace("/etc/ripple/prometheus.yml", str(PROMETHEUS_YML)).split(" && exec ")[0]
    env = {"PATH": "/usr/bin:/bin", "FLOWER_BASIC_AUTH": "ops:s3cret:with-colon"}
    subprocess.run(["sh", "-c", script], env=env, check=True, timeout=30)
    written = tmp_path / "run" / "prometheus.yml"
    assert (tmp_path / "run" / "flower-password").read_text() == "s3cret:with-colon"
    flower = next(
        job for job in yaml.safe_load(written.read_text())["scrape_configs"] if job["job_name"] == "flower"
    )
    assert flower["basic_auth"]["username"] == "ops"
    assert flower["basic_auth"]["password_file"] == "/tmp/ripple/flower-password"  # noqa: S108 (in the container)
