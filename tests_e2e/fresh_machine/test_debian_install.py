"""`make install` and the SQLite unit tests on a plain Debian 12 with only python3, make and git.

The container gets the committed files only (`git archive HEAD`), installs nothing but the
distribution's `python3 make git` with apt (no python3-venv, no pip: Debian's python3 is
externally managed, PEP 668), and must then build .venv and pass every service's SQLite unit
tests. It needs a Docker engine (tests_e2e/docker_engine.py) and network access to Debian's
archive and PyPI; the image is debian:bookworm (compose-engine's stand-in where no registry is
reachable).
"""

from __future__ import annotations

import os
import secrets
import subprocess

from tests_e2e.docker_engine import require_engine
from tests_e2e.system import REPO_DIR

IMAGES = ("debian:bookworm", "localhost/compose-engine/debian:bookworm")
# Where TLS is inspected or a proxy is needed, the container needs what the host uses.
PASSED_ENV = ("SSL_CERT_FILE", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy")
SCRIPT = r"""
set -euo pipefail
mkdir /ripple && tar -x -C /ripple                       # the committed files, from stdin
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq python3 make git >/dev/null
test -f /usr/lib/python3.11/EXTERNALLY-MANAGED && echo "python3 is externally managed (PEP 668)"
python3 -c 'import ensurepip' 2>/dev/null || echo "python3 has no ensurepip (no python3-venv)"
cd /ripple && make install && make test-sqlite
"""


def image(env: dict[str, str]) -> str:
    """debian:bookworm, or compose-engine's stand-in of it when only that one is there."""
    for name in IMAGES:
        inspect = ["docker", "image", "inspect", name]
        if subprocess.run(inspect, env=env, capture_output=True, check=False).returncode == 0:
            return name
    return IMAGES[0]


def test_make_install_and_sqlite_unit_tests_on_plain_debian(tmp_path):
    env = require_engine()
    name = f"ripple-fresh-debian-{secrets.token_hex(4)}"
    passed = [arg for key in PASSED_ENV if key in os.environ for arg in ("-e", key)]
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=REPO_DIR, capture_output=True, check=True)
    log = tmp_path / "debian.log"
    try:
        with log.open("wb") as out:
            done = subprocess.run(
                ["docker", "run", "--rm", "-i", "--name", name, *passed, image(env), "bash", "-c", SCRIPT],
                input=archive.stdout,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                timeout=1800,
                check=False,
            )
    finally:
        subprocess.run(["docker", "rm", "-f", name], env=env, capture_output=True, check=False)
    output = log.read_text(errors="replace")
    assert done.returncode == 0, output[-6000:]
    assert "python3 is externally managed (PEP 668)" in output
    assert "python3 has no ensurepip (no python3-venv)" in output
    assert "installed uv " in output and "(wheel)" in output, output[-6000:]
    assert output.count(" passed") >= 4 and " failed" not in output, output[-6000:]
