"""`make dev` itself: credentials you exported win, it says where everything is, and it runs only once.

One `make dev` with its own var dir, ports and broker users (tests_e2e/system.py), started with
admin and Flower credentials in the environment that differ from the var/dev.env it generates.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time

import pytest
import requests

from ripple_runtime.metrics.exposition import PORT_OFFSETS
from ripple_testing.processes import wait_until
from ripple_testing.servers import free_port, free_port_block
from tests_e2e.system import REPO_DIR, running_dev_system

EXPORTED = {
    "RIPPLE_ADMIN_USER": "ops",
    "RIPPLE_ADMIN_PASSWORD": secrets.token_urlsafe(12),
    "RIPPLE_ADMIN_TOKEN": secrets.token_hex(20),
    "FLOWER_BASIC_AUTH": f"ops:{secrets.token_urlsafe(12)}",
}


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    """`make dev` with exported credentials; Ctrl-C at the end."""
    with running_dev_system(tmp_path_factory.mktemp("dev"), EXPORTED, workers=False) as dev:
        yield dev


def generated(system) -> dict[str, str]:
    """What make dev wrote to var/dev.env."""
    lines = (system.var / "dev.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def second_make_dev(system, var) -> tuple[subprocess.CompletedProcess, float]:
    """Run another `make dev` with the first one's environment; its result and how long it took."""
    started = time.monotonic()
    done = subprocess.run(
        ["make", "dev", f"RIPPLE_VAR_DIR={var}"],
        cwd=REPO_DIR,
        env=system.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done, time.monotonic() - started


def test_exported_credentials_win_over_var_dev_env(system):
    assert generated(system)["RIPPLE_ADMIN_TOKEN"] != EXPORTED["RIPPLE_ADMIN_TOKEN"]
    for name, path in (("catalog", "/api/v1/products/"), ("notifications", "/api/v1/webhooks/")):
        mine = {"Authorization": f"Token {EXPORTED['RIPPLE_ADMIN_TOKEN']}"}
        assert requests.get(system.url(name, path), headers=mine, timeout=5).status_code == 200
        theirs = {"Authorization": f"Token {generated(system)['RIPPLE_ADMIN_TOKEN']}"}
        assert requests.get(system.url(name, path), headers=theirs, timeout=5).status_code == 401
    flower = system.url("flower", "/api/workers")
    assert requests.get(flower, auth=tuple(EXPORTED["FLOWER_BASIC_AUTH"].split(":")), timeout=5).ok
    dev_env_auth = tuple(generated(system)["FLOWER_BASIC_AUTH"].split(":"))
    assert requests.get(flower, auth=dev_env_auth, timeout=5).status_code == 401


def test_it_says_where_everything_is_once_it_answers(system):
    log = wait_until(
        lambda: (text := system.process.log()) and "== make dev: everything answers" in text and text,
        what="make dev's summary",
    )
    summary = log[log.index("== make dev: everything answers") :]
    for name in ("catalog", "search", "notifications", "flower"):
        assert system.url(name, "") in summary
    assert f"credentials    {system.var / 'dev.env'}" in summary
    assert "from your environment instead: " + ", ".join(EXPORTED) in summary


def test_a_second_make_dev_on_the_same_var_dir_refuses_at_once(system):
    before = system.process.log()
    done, seconds = second_make_dev(system, system.var)
    assert done.returncode != 0 and seconds < 10
    assert "make dev: already running on " + str(system.var) in done.stderr
    assert "uv" not in done.stdout and "migrate" not in done.stdout + done.stderr  # touched nothing
    assert system.process.log().count("Applying") == before.count("Applying")
    assert requests.get(system.url("catalog", "/healthz"), timeout=5).status_code == 200


def test_a_second_make_dev_on_busy_ports_refuses_at_once(system, tmp_path):
    done, seconds = second_make_dev(system, tmp_path / "var")
    assert done.returncode != 0 and seconds < 10
    assert f"make dev: 127.0.0.1:{system.ports['catalog']} is in use" in done.stderr
    assert not (tmp_path / "var" / "dev.env").exists()


def test_a_failed_migration_starts_nothing(tmp_path):
    closed = free_port()  # nothing listens there
    ports = {
        f"{name}_PORT": str(free_port()) for name in ("CATALOG", "SEARCH", "NOTIFICATIONS", "FLOWER", "EMAIL")
    }
    # /metrics on ports of its own, never the defaults another test or a developer may hold
    ports["METRICS_BASE_PORT"] = str(free_port_block(len(PORT_OFFSETS)))
    done = subprocess.run(
        ["make", "dev", f"RIPPLE_VAR_DIR={tmp_path / 'var'}"],
        cwd=REPO_DIR,
        env={**os.environ, **ports, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed}/none"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "make dev: a migrate step failed (its lines above); nothing started" in done.stderr
    assert "catalog-migrate | " in done.stdout and "started (pid=" not in done.stdout  # no honcho
