"""Write var/dev.env for `make dev`: random secrets, made once per checkout, never committed."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path


def dev_env() -> str:
    """The secrets of the native runner, fresh and random (everything else has a local default)."""
    values = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "RIPPLE_ADMIN_USER": "admin",
        "RIPPLE_ADMIN_PASSWORD": secrets.token_urlsafe(12),
        "RIPPLE_ADMIN_TOKEN": secrets.token_hex(20),
        "FLOWER_BASIC_AUTH": f"admin:{secrets.token_urlsafe(12)}",
    }
    lines = ["# Written by `make dev` once: its secrets. Delete it to get new ones. Never commit it."]
    return "\n".join(lines + [f"{key}={value}" for key, value in values.items()]) + "\n"


def main(path: str) -> int:
    """Create the file unless it exists (secrets stay stable across runs)."""
    target = Path(path)
    if target.exists():
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dev_env())
    target.chmod(0o600)
    print(f"wrote {target} (admin password and API token inside)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
