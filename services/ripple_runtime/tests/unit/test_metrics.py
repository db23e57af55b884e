"""Multiprocess metrics: what a forked child recorded is served by its parent after the child exited.

prometheus_client picks its multiprocess storage when it is imported, so each case runs in a
fresh interpreter with PROMETHEUS_MULTIPROC_DIR set, as ripple.sh starts every process; the
parent forks real children, serves `/metrics` on a real port, and the test parses what it
served with prometheus_client's own text parser.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from ripple_runtime import metrics
from ripple_testing.processes import wait_until
from ripple_testing.servers import free_port

# Forks two children that record and exit (one marked dead, as gunicorn and Celery do), then serves.
PARENT = textwrap.dedent(
    """
    import os, sys, time
    from ripple_runtime import metrics
    from ripple_runtime.metrics import exposition

    for batch in (["catalog.product.deleted.v1"] * 3, ["catalog.media.deleted.v1"] * 2):
        pid = os.fork()
        if pid == 0:
            metrics.consumer_accepted("media", batch)
            metrics.relay_connected("media", True)
            os._exit(0)
        os.waitpid(pid, 0)
        exposition.process_exited(pid)
    metrics.consumer_accepted("media", ["catalog.product.deleted.v1"])  # the parent's own
    exposition.serve()
    print("serving", flush=True)
    time.sleep(60)
    """
)


def samples(text: str) -> dict[tuple, float]:
    """Every sample of a scrape, keyed by name and sorted labels, parsed by prometheus_client."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
def parent(tmp_path):
    """The forking parent, serving on a free port; stopped and its directory removed after."""
    port = free_port()
    directory = tmp_path / "multiproc"
    directory.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory), "METRICS_PORT": str(port)}
    env["RIPPLE_METRICS_DIR_OWNER"] = "0"  # not this one: the test's tmp_path cleans up
    process = subprocess.Popen([sys.executable, "-c", PARENT], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "serving"
        yield f"http://127.0.0.1:{port}/metrics", directory
    finally:
        process.kill()
        process.wait()


def test_a_forked_childs_counts_survive_its_exit(parent):
    url, directory = parent
    scraped = samples(wait_until(lambda: requests.get(url, timeout=5).text, what="/metrics"))
    accepted = "ripple_consumer_events_total"
    product = (("event_type", "catalog.product.deleted.v1"), ("outcome", "accepted"), ("service", "media"))
    media = (("event_type", "catalog.media.deleted.v1"), ("outcome", "accepted"), ("service", "media"))
    assert scraped[accepted, product] == 4  # 3 from the first child, 1 from the parent
    assert scraped[accepted, media] == 2
    # the children were marked dead: their live gauge is gone, and so are its files
    assert not [key for key in scraped if key[0] == "ripple_relay_connected"]
    assert not list(directory.glob("gauge_livemax_*"))
    assert list(directory.glob("counter_*.db"))


def test_without_a_multiprocess_directory_nothing_is_served_without_a_port(monkeypatch):
    from ripple_runtime.metrics import exposition

    monkeypatch.delenv("METRICS_PORT", raising=False)
    assert exposition.serve() is None
    monkeypatch.setenv("METRICS_PORT", "0")
    assert exposition.serve() is None


def test_a_workers_relay_child_records_but_is_given_no_port(monkeypatch, tmp_path):
    from ripple_runtime.metrics import exposition

    monkeypatch.setenv("METRICS_PORT", "9401")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    child = exposition.child_environment()
    assert "METRICS_PORT" not in child and child["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path)


def test_labels_stay_bounded_whatever_arrives():
    assert metrics.known_type("catalog.product.deleted.v1") == "catalog.product.deleted.v1"
    assert metrics.known_type("x" * 500) == "other"
    assert metrics.known_type(None) == "other"
    assert [metrics.status_class(code) for code in (200, 302, 410, 503, None)] == [
        "2xx",
        "3xx",
        "4xx",
        "5xx",
        "none",
    ]


def test_a_taken_port_is_logged_and_the_process_goes_on(monkeypatch, caplog):
    from ripple_runtime.metrics import exposition

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setenv("METRICS_PORT", str(taken.getsockname()[1]))
        assert exposition.serve() is None
    assert "cannot serve" in caplog.text
