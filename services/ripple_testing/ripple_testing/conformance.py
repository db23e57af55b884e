"""API conformance in tests: a service's API served for real, schemathesis against it, Swagger UI in Chromium.

`serve_api` starts `ripple.sh SERVICE api` (gunicorn) on the test's database; `run_schemathesis`
runs every schemathesis check (status codes, response schemas, auth, positive and negative data,
no 5xx) with a bounded number of examples; `rendered_dom` is the page as a headless Chromium
renders it, scripts run. SCHEMATHESIS_EXAMPLES and SCHEMATHESIS_SEED tune the run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ripple_testing.entrypoints import REPO_DIR, ripple_processes
from ripple_testing.processes import django_database_url, wait_until
from ripple_testing.servers import free_port

EXAMPLES = os.environ.get("SCHEMATHESIS_EXAMPLES", "15")
SEED = os.environ.get("SCHEMATHESIS_SEED", "1")
CHROMIUM = os.environ.get("CHROMIUM", "chromium")
# Every service's schemathesis settings start with these; a service's own file adds to them.
BASE_CONFIG = """
# gunicorn answers 414 to a request line over 4094 bytes (an overlong, schema-violating query)
# before the API sees it: a refusal like 400, documented in every list operation's responses.
[checks.negative_data_rejection]
expected-statuses = [
    "400", "401", "403", "404", "405", "406", "409", "414", "415", "422", "428", "429", "5xx",
]
"""


def answers(url: str) -> bool:
    """Does the URL answer 200 right now?"""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - a local test server
            return response.status == 200
    except OSError:
        return False


@contextmanager
def serve_api(service: str, tmp_path: Path, collect_static: bool = False) -> Iterator[str]:
    """The service's API (gunicorn, DJANGO_DEBUG=0) on the test database; yields its base URL."""
    from django.db import connection

    port = free_port()
    env = {
        "DATABASE_URL": django_database_url(connection),
        "DJANGO_SECRET_KEY": f"{service}-conformance-test-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_DEBUG": "0",
        "RIPPLE_VAR_DIR": str(tmp_path),
        "STATIC_ROOT": str(tmp_path / "static"),
        f"{service.upper()}_PORT": str(port),
    }
    if collect_static:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=REPO_DIR / "services" / service,
            env={**os.environ, **env},
            check=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    with ripple_processes(service, env, tmp_path) as start:
        start("api")
        wait_until(lambda: answers(f"{base_url}/api/schema/"), timeout=60, what=f"the {service} API")
        yield base_url


def admin_token() -> str:
    """A superuser's API token, in the test database (committed: the served API reads it)."""
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    user = User.objects.create_superuser("conformance", "conformance@example.com", "a-long-test-password")
    return Token.objects.create(user=user).key


def run_schemathesis(
    base_url: str, tmp_path: Path, *, token: str | None = None, config: Path | None = None
) -> str:
    """Run every schemathesis check against the API's own /api/schema/; fail with its report."""
    settings = tmp_path / "schemathesis.toml"
    settings.write_text(BASE_CONFIG + (config.read_text() if config else ""))
    argv = [str(Path(sys.executable).parent / "st"), "--config-file", str(settings)]
    argv += ["run", f"{base_url}/api/schema/", "--checks", "all", "--max-examples", EXAMPLES]
    argv += ["--seed", SEED, "--workers", "1", "--no-color", "--wait-for-schema", "30"]
    if token:
        argv += ["--header", f"Authorization: Token {token}"]
    # in tmp_path: schemathesis keeps its cache and example database in the working directory
    run = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-20000:]
    print(next((line for line in report.splitlines() if " generated, " in line), ""))  # pytest -rP shows it
    return report


def rendered_dom(url: str) -> str:
    """The DOM of a page after headless Chromium ran its scripts (and their fetches)."""
    browser = shutil.which(CHROMIUM)
    assert browser, f"{CHROMIUM} is not installed (Debian: apt-get install -y chromium)"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    run = subprocess.run(
        [browser, *flags, "--virtual-time-budget=20000", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return run.stdout
