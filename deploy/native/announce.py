"""`make dev`: once every API and Flower answer, print where everything is and where the credentials are.

Runs beside honcho (deploy/native/dev.sh starts it with the time `make dev` began) and ends after
printing, or when `make dev` ends first.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.request
from pathlib import Path

# (what, port variable, default port, path that answers 200 once it is up, what to print after the URL)
SERVICES = (
    (
        "catalog",
        "CATALOG_PORT",
        8000,
        "/healthz",
        "/api/v1/  docs /api/docs/  admin /admin/  media /media/  ledger /api/v1/deletions/",
    ),
    ("search", "SEARCH_PORT", 8001, "/healthz", "/api/v1/search?q=mug"),
    ("notifications", "NOTIFICATIONS_PORT", 8002, "/healthz", "/api/v1/webhooks/  /deliveries/"),
    ("flower", "FLOWER_PORT", 5555, "/healthcheck", "  (basic auth: FLOWER_BASIC_AUTH)"),
)
CREDENTIALS = (
    "RIPPLE_ADMIN_USER",
    "RIPPLE_ADMIN_PASSWORD",
    "RIPPLE_ADMIN_TOKEN",
    "FLOWER_BASIC_AUTH",
    "DJANGO_SECRET_KEY",
)
TIMEOUT_SECONDS = 300


def base_url(port_variable: str, default: int) -> str:
    """http://127.0.0.1:<port> of one process."""
    return f"http://127.0.0.1:{os.environ.get(port_variable, default)}"


def answers(url: str) -> bool:
    """Does `url` answer 200 yet?"""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own loopback URLs)
            return response.status == 200
    except OSError:
        return False


def credentials_line(dev_env: Path) -> str:
    """Where the credentials are: var/dev.env, except those the user's environment set."""
    generated = dict(
        line.split("=", 1) for line in dev_env.read_text().splitlines() if "=" in line and line[0] != "#"
    )
    yours = [name for name in CREDENTIALS if os.environ.get(name) != generated.get(name)]
    where = f"credentials    {dev_env}  (load them: set -a; . {dev_env}; set +a)"
    return where + (f"\n               from your environment instead: {', '.join(yours)}" if yours else "")


def metrics_line() -> str:
    """Where each process serves /metrics: METRICS_BASE_PORT plus its offset (ripple_runtime.metrics)."""
    from ripple_runtime import metrics
    from ripple_runtime.metrics.exposition import DEFAULT_BASE_PORT, PORT_OFFSETS

    if not metrics.ENABLED:
        return "metrics        off (METRICS_ENABLED=0)"

    base = int(os.environ.get("METRICS_BASE_PORT", DEFAULT_BASE_PORT))
    ports = "  ".join(f"{name} :{base + offset}" for name, offset in PORT_OFFSETS.items())
    return f"metrics        http://127.0.0.1:<port>/metrics  {ports}"


def summary(started: float) -> str:
    """The block printed once everything is up."""
    var = Path(os.environ["RIPPLE_VAR_DIR"])
    lines = [f"== make dev: everything answers after {time.time() - started:.1f} s"]
    for name, variable, default, _, more in SERVICES:
        lines.append(f"{name:<15}{base_url(variable, default)}{more}")
    lines.append(metrics_line())
    lines.append(f"mail           printed in this log (SMTP 127.0.0.1:{os.environ.get('EMAIL_PORT', 1025)})")
    lines.append(f"media          {os.environ.get('MEDIA_ROOT', var / 'media')}")
    lines.append(credentials_line(var / "dev.env"))
    return "\n".join(lines) + "\n"


def main(started: float) -> int:
    """Poll until every process answers, print the summary; give up quietly when make dev is gone."""
    parent, deadline = os.getppid(), time.monotonic() + TIMEOUT_SECONDS
    pending = [base_url(variable, default) + path for _, variable, default, path, _ in SERVICES]
    while pending:
        if os.getppid() != parent or time.monotonic() > deadline:
            return 1
        pending = [url for url in pending if not answers(url)]
        time.sleep(0.2)
    sys.stdout.write(summary(started))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1])))
