"""Is a Docker engine reachable for the tests that run containers, and if not, why.

The engine is the one in DOCKER_HOST, else the one ../shared/tools/compose-engine set up (its `env
--host` says where), else docker's default socket. Outside CI a missing engine skips those tests
with one line saying why (`pytest -rs` prints it); with CI=true it is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests_e2e.system import REPO_DIR

COMPOSE_ENGINE_ENV = REPO_DIR.parent / "shared" / "tools" / "compose-engine" / "env"


class EngineUnavailable(Exception):
    """No Docker engine answers; the message says why."""


def docker_host() -> str:
    """Where the engine should be: DOCKER_HOST, compose-engine's socket, or docker's default."""
    if host := os.environ.get("DOCKER_HOST"):
        return host
    if COMPOSE_ENGINE_ENV.exists():
        done = subprocess.run(
            ["sh", str(COMPOSE_ENGINE_ENV), "--host"], capture_output=True, text=True, check=False
        )
        if done.stdout.strip():
            return done.stdout.strip()
    return "unix:///var/run/docker.sock"


def docker_env() -> dict[str, str]:
    """The environment for `docker` commands (DOCKER_HOST set); EngineUnavailable when none answers."""
    if shutil.which("docker") is None:
        raise EngineUnavailable("no docker command on the PATH")
    env = {**os.environ, "DOCKER_HOST": docker_host()}
    try:
        done = subprocess.run(
            ["docker", "version", "--format", "{{.Server.Version}}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise EngineUnavailable(f"the engine at {env['DOCKER_HOST']} did not answer in 30 s") from None
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["no answer"])[-1]
        raise EngineUnavailable(f"no Docker engine at {env['DOCKER_HOST']} ({detail})")
    return env


def in_ci() -> bool:
    """Does this run under CI (CI=true), where every test must really run?"""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_engine(what: str) -> dict[str, str]:
    """docker_env() for a test; without an engine: skip with the reason, or fail under CI=true."""
    try:
        return docker_env()
    except EngineUnavailable as error:
        if in_ci():
            pytest.fail(f"{what}: {error} (CI=true requires a Docker engine)", pytrace=False)
        pytest.skip(f"{what} not run: {error} (with CI=true this fails)")
