"""shared_contracts installs alone, outside the workspace, and is all a team needs to read our events.

A fresh virtual environment gets nothing but the package and its declared dependencies (uv, from
its cache or PyPI); there every golden example must parse, and no framework may be present.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CONTRACTS = Path(__file__).resolve().parents[2]
# The Makefile says which uv it uses (on a fresh machine, the copy `make install` bootstrapped).
UV = os.environ.get("RIPPLE_TEST_UV") or shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")

CHECK = """
import importlib.util, json, sys
from importlib import resources

from shared_contracts import examples, schemas, topology
from shared_contracts.events import EVENT_MODELS, parse_event

for name in ("django", "celery", "rest_framework", "kombu", "amqp", "ripple_runtime"):
    assert importlib.util.find_spec(name) is None, f"{name} is installed alongside the contracts"
parsed = []
for event_type in EVENT_MODELS:
    raw = json.loads((resources.files(examples) / f"{event_type}.json").read_text())
    event = parse_event(raw)
    assert event.type == event_type
    assert schemas.load_committed(event_type)["title"]
    assert schemas.load_committed_data(event_type)["$id"] == raw["dataschema"]
    parsed.append(event_type)
assert topology.SUBSCRIPTIONS["media"].queue_name == "media.catalog-events"
print("parsed", len(parsed), "golden examples")
"""


def run(*argv: str, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run a command, failing the test with its output when it fails."""
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False, **kwargs)
    assert result.returncode == 0, f"{argv}:\n{result.stdout}\n{result.stderr}"
    return result


def test_the_contracts_alone_parse_every_golden_example(tmp_path):
    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")}
    run(UV, "venv", "--quiet", "--python", sys.executable, str(venv), env=env)
    python = venv / "bin" / "python"
    # a copy, so nothing of the workspace (its lock, its sources) is in reach of the install
    source = shutil.copytree(CONTRACTS, tmp_path / "shared_contracts", ignore=shutil.ignore_patterns("tests"))
    run(UV, "pip", "install", "--quiet", "--python", str(python), str(source), env=env, cwd=tmp_path)
    result = run(str(python), "-c", CHECK, cwd=tmp_path, env=env)
    golden = list((source / "src" / "shared_contracts" / "examples").glob("*.json"))
    assert golden and f"parsed {len(golden)} golden examples" in result.stdout
