"""Find a reachable Docker engine (with the compose plugin) for the tests that run containers.

The engine is the one in DOCKER_HOST, else the one ../shared/tools/compose-engine set up (its
`env --host` says where), else docker's default socket. `python -m tests_e2e.docker_engine` is
the gate `make test-compose` runs first: it exits 0 when an engine answers, 3 (with one line
saying why) when none does outside CI, and 1 under `CI=true`, where a missing engine is a
failure, never a quiet pass. The container tests themselves never skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMPOSE_ENGINE_ENV = REPO.parent / "shared" / "tools" / "compose-engine" / "env"
NOT_RUN = 3


class EngineUnavailable(RuntimeError):
    """No Docker engine with the compose plugin answers; the message says why."""


def docker_host() -> str:
    """Where the engine should be: DOCKER_HOST, compose-engine's socket, or docker's default."""
    if host := os.environ.get("DOCKER_HOST"):
        return host
    if COMPOSE_ENGINE_ENV.exists():
        done = subprocess.run(
            ["sh", str(COMPOSE_ENGINE_ENV), "--host"], capture_output=True, text=True, check=False
        )
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
    return "unix:///var/run/docker.sock"


def require_engine() -> dict[str, str]:
    """The environment for `docker` commands (DOCKER_HOST set), or EngineUnavailable with the reason."""
    env = {**os.environ, "DOCKER_HOST": docker_host()}
    for argv, what in (
        (
            ["docker", "version", "--format", "{{.Server.Version}}"],
            f"no Docker engine at {env['DOCKER_HOST']}",
        ),
        (["docker", "compose", "version", "--short"], "the docker compose plugin is missing"),
    ):
        try:
            done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30, check=False)
        except FileNotFoundError:
            raise EngineUnavailable("no docker command on the PATH") from None
        except subprocess.TimeoutExpired:
            raise EngineUnavailable(f"{what}: no answer in 30 s") from None
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise EngineUnavailable(f"{what} ({detail[-1] if detail else 'no output'})")
    return env


def in_ci() -> bool:
    """Does this run under CI (CI=true), where every test must really run?"""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def main() -> int:
    """Exit 0 if an engine answers; otherwise say why, and fail only under CI."""
    try:
        require_engine()
    except EngineUnavailable as error:
        print(
            f"container tests (make test-compose) {'FAILED' if in_ci() else 'not run'}: {error}",
            file=sys.stderr,
        )
        return 1 if in_ci() else NOT_RUN
    return 0


if __name__ == "__main__":
    sys.exit(main())
