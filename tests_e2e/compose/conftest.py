"""One compose stack for the whole package: built and started once, removed with its volumes after."""

from __future__ import annotations

import secrets

import pytest

from tests_e2e.compose.stack import ComposeStack
from tests_e2e.docker_engine import require_engine


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """`docker compose up --build --wait` under a project name of this run; `down -v` at the end."""
    project = f"ripple-test-{secrets.token_hex(4)}"
    stack = ComposeStack(project, tmp_path_factory.mktemp("compose"), require_engine())
    try:
        stack.compose("up", "--build", "--detach", "--wait", "--wait-timeout", "600", timeout=900)
        yield stack
    finally:
        # Idempotent: the last test already took the stack down and checked nothing is left.
        stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "20", check=False)
