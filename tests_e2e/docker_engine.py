"""Find a reachable Docker engine (with the compose plugin) for the tests that run containers.

`python -m tests_e2e.docker_engine` is the gate `make test-compose` runs first: it exits 0 when an
engine answers, 3 (with one line saying why) when none does outside CI, and 1 under `CI=true`,
where a missing engine is a failure, never a quiet pass.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The compose-engine tool of these machines (../shared beside the checkout); elsewhere the usual
# DOCKER_HOST or the default socket of an installed Docker.
COMPOSE_ENGINE = REPO.parent / "shared" / "tools" / "compose-engine"
NOT_RUN = 3


class EngineUnavailable(RuntimeError):
    """No Docker engine with the compose plugin answers; the message says why."""


def docker_env() -> dict[str, str]:
    """The environment for `docker` commands: ours, plus the compose-engine's DOCKER_HOST if any."""
    env = dict(os.environ)
    if "DOCKER_HOST" not in env and (COMPOSE_ENGINE / "env").exists():
        found = subprocess.run(
            [str(COMPOSE_ENGINE / "env"), "--host"], capture_output=True, text=True, check=False
        )
        if found.returncode == 0 and found.stdout.strip():
            env["DOCKER_HOST"] = found.stdout.strip()
    return env


def require_engine() -> dict[str, str]:
    """Return the docker environment, or raise EngineUnavailable with the reason."""
    env = docker_env()
    for argv, what in (
        (["docker", "info", "--format", "{{.ServerVersion}}"], "no Docker engine answers"),
        (["docker", "compose", "version", "--short"], "the docker compose plugin is missing"),
    ):
        try:
            result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30, check=False)
        except FileNotFoundError:
            raise EngineUnavailable("no docker client on PATH") from None
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise EngineUnavailable(f"{what} ({detail[-1] if detail else 'no output'})")
    return env


def main() -> int:
    """Exit 0 if an engine answers; otherwise say why, and fail only under CI."""
    try:
        require_engine()
    except EngineUnavailable as error:
        in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
        print(f"compose tests {'FAILED' if in_ci else 'not run'}: {error}", file=sys.stderr)
        return 1 if in_ci else NOT_RUN
    return 0


if __name__ == "__main__":
    sys.exit(main())
