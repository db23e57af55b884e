"""Install uv into a private folder for `make install`, with nothing but the system's python3.

Never `pip install --user`: a distribution's Python refuses it (PEP 668, Debian 12, Ubuntu 24.04).
First a private venv with pip (honours pip's configuration: mirrors, proxies); where the
distribution's python3 has no venv/ensurepip (Debian without python3-venv), the uv wheel from
PyPI's simple index, checked against its sha256, unpacked with the standard library alone.

    python3 deploy/native/bootstrap_uv.py VERSION DIR [--method venv|wheel]   # then DIR/bin/uv
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import platform
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

SIMPLE_INDEX = "https://pypi.org/simple/uv/"
HELP = (
    "make install: could not install uv {version} ({reasons}).\n"
    "  Install uv yourself (https://docs.astral.sh/uv/getting-started/installation/), or give python3\n"
    "  its venv module (Debian, Ubuntu: sudo apt-get install python3-venv), then run make install again."
)


def run(*argv: str) -> None:
    """Run a command; fail with the last line it wrote to stderr."""
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise RuntimeError(f"{' '.join(argv[1:3])}: {lines[-1].strip()}")


def with_venv(version: str, target: Path) -> None:
    """A venv in `target` with uv pip-installed into it: `target`/bin/uv."""
    run(sys.executable, "-m", "venv", str(target))
    run(str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", f"uv=={version}")


def wheel_tag() -> str:
    """The part of the wheel's file name that fits this machine (musllinux: a static binary)."""
    machine = platform.machine().lower()
    if sys.platform.startswith("linux"):
        return f"musllinux_1_1_{machine}"
    if sys.platform == "darwin":
        return f"_{'arm64' if machine == 'arm64' else 'x86_64'}.whl"
    raise RuntimeError(f"no uv wheel chosen for {sys.platform}")


def with_wheel(version: str, target: Path) -> None:
    """The uv wheel from PyPI, checked against the index's sha256; its binary goes to `target`/bin."""
    request = urllib.request.Request(SIMPLE_INDEX, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 (a fixed https URL)
        files = json.load(answer)["files"]
    tag, prefix = wheel_tag(), f"uv-{version}-py3-none-"
    match = next(f for f in files if f["filename"].startswith(prefix) and tag in f["filename"])
    with urllib.request.urlopen(match["url"], timeout=300) as answer:  # noqa: S310
        wheel = answer.read()
    if hashlib.sha256(wheel).hexdigest() != match["hashes"]["sha256"]:
        raise RuntimeError(f"{match['filename']}: sha256 mismatch")
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        member = next(name for name in archive.namelist() if name.endswith(".data/scripts/uv"))
        binary = target / "bin" / "uv"
        binary.parent.mkdir(parents=True, exist_ok=True)
        binary.write_bytes(archive.read(member))
    binary.chmod(0o755)


METHODS = {"venv": with_venv, "wheel": with_wheel}


def main() -> int:
    """Try each method in turn into a fresh folder; say which one worked, or what to do."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version")
    parser.add_argument("target", type=Path)
    parser.add_argument("--method", choices=sorted(METHODS), action="append")
    args = parser.parse_args()
    reasons = []
    for name in args.method or ["venv", "wheel"]:
        shutil.rmtree(args.target, ignore_errors=True)
        try:
            METHODS[name](args.version, args.target)
        except (OSError, RuntimeError, StopIteration, ValueError) as error:
            reasons.append(f"{name}: {error}")
            continue
        print(f"installed uv {args.version} in {args.target} ({name})")
        return 0
    shutil.rmtree(args.target, ignore_errors=True)
    print(HELP.format(version=args.version, reasons="; ".join(reasons)), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
