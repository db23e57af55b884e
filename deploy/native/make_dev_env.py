"""Write var/dev.env for `make dev`: random secrets, made once per checkout, never committed."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path


def dev_secrets() -> dict[str, str]:
    """The secrets of the native runner, fresh and random (everything else has a local default)."""
    return {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "RIPPLE_ADMIN_USER": "admin",
        "RIPPLE_ADMIN_PASSWORD": secrets.token_urlsafe(12),
        "RIPPLE_ADMIN_TOKEN": secrets.token_hex(20),
        "CATALOG_API_TOKEN": secrets.token_hex(20),  # catalog-reader's, for reindex and the audits
        "FLOWER_BASIC_AUTH": f"admin:{secrets.token_urlsafe(12)}",
    }


def dev_env() -> str:
    """A whole new file of secrets."""
    lines = ["# Written by `make dev` once: its secrets. Delete it to get new ones. Never commit it."]
    return "\n".join(lines + [f"{key}={value}" for key, value in dev_secrets().items()]) + "\n"


def main(path: str) -> int:
    """Create the file unless it exists; to an older one, add only the secrets it lacks.

    Secrets stay stable across runs; make runs this again when this script is newer than the file.
    """
    target = Path(path)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dev_env())
        target.chmod(0o600)
        print(f"wrote {target} (admin password and API token inside)")
        return 0
    text = target.read_text()
    held = {line.split("=", 1)[0] for line in text.splitlines() if "=" in line and not line.startswith("#")}
    missing = {key: value for key, value in dev_secrets().items() if key not in held}
    if missing:
        text = text if text.endswith("\n") or not text else text + "\n"
        target.write_text(text + "".join(f"{key}={value}\n" for key, value in missing.items()))
        print(f"added {', '.join(missing)} to {target}")
    target.touch()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
