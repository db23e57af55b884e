"""The README's configuration table lists every environment variable the code reads, and only those.

Read means, in the Python sources of services/ and shared_contracts/ (tests and the dev-only
ripple_testing helpers excluded) and of
deploy/: `env("X")`, `env.<type>("X")`, `os.environ["X"]`, `os.environ.get("X")`, `os.getenv("X")`;
in deploy/'s shell scripts and Procfiles: `${X:-…}`-style expansions (`:-`, `-`, `:?`, `?`, `:+`,
`+`), and `$X` / `${X}` of a name the script never assigns. Only upper-case names count (scripts
keep their own variables in lower case). Not configuration, by rule: test-only variables
(`RIPPLE_TEST_*`, read by the test helpers alone) and the shell's own (`PATH`, `HOME`, `BASH_*`).
Names read through a computed name (`${!var}`) appear in the table as patterns such as
`POSTGRES_PASSWORD_<SERVICE>`.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests_e2e.system import REPO_DIR

PYTHON_READ = re.compile(
    r"""(?:\benv(?:\.\w+)?\(|\bos\.environ\[|\bos\.environ\.get\(|\bos\.getenv\()\s*["']([A-Z][A-Z0-9_]*)["']"""
)
SHELL_DEFAULTED = re.compile(r"\$\{([A-Z][A-Z0-9_]*):?[-?+]")
SHELL_PLAIN = re.compile(r"\$\{?([A-Z][A-Z0-9_]*)\b(?!:?[-?+])")
SHELL_ASSIGNED = re.compile(r"^\s*(?:export\s+|local\s+|readonly\s+)?([A-Z][A-Z0-9_]*)=", re.MULTILINE)
NOT_CONFIGURATION = re.compile(r"RIPPLE_TEST_\w+|PATH|HOME|BASH_\w+")
TABLE_NAME = re.compile(r"`([A-Z][A-Z0-9_<>]*)`")


def python_sources() -> list[Path]:
    """The code: services/, shared_contracts/ and deploy/, without tests and migrations."""
    files = [p for top in ("services", "shared_contracts", "deploy") for p in (REPO_DIR / top).rglob("*.py")]
    # ripple_testing is the dev-only test helper package: what it reads is test configuration.
    return [
        p for p in files if not {"tests", "migrations", "ripple_testing"} & set(p.relative_to(REPO_DIR).parts)
    ]


def shell_sources() -> list[Path]:
    """deploy/'s shell scripts and Procfiles."""
    return [*(REPO_DIR / "deploy").rglob("*.sh"), *(REPO_DIR / "deploy").glob("Procfile*")]


def shell_reads(text: str) -> set[str]:
    """Upper-case names a script takes from its environment."""
    assigned = set(SHELL_ASSIGNED.findall(text))
    return set(SHELL_DEFAULTED.findall(text)) | (set(SHELL_PLAIN.findall(text)) - assigned)


def variables_read() -> dict[str, set[str]]:
    """Every configuration variable read, with the files that read it."""
    found: dict[str, set[str]] = {}
    readers = [(p, set(PYTHON_READ.findall(p.read_text()))) for p in python_sources()]
    readers += [(p, shell_reads(p.read_text())) for p in shell_sources()]
    for path, names in readers:
        for name in names:
            if not NOT_CONFIGURATION.fullmatch(name):
                found.setdefault(name, set()).add(str(path.relative_to(REPO_DIR)))
    return found


def variables_documented() -> set[str]:
    """The names in the first column of the README's configuration table."""
    section = (REPO_DIR / "README.md").read_text().split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in TABLE_NAME.findall(row.split("|")[1])}


def test_every_variable_the_code_reads_is_in_the_readme_table():
    missing = {name: sorted(files) for name, files in variables_read().items()}
    missing = {name: files for name, files in missing.items() if name not in variables_documented()}
    assert not missing, f"add these to the README's configuration table: {missing}"


def test_the_readme_table_lists_nothing_the_code_does_not_read():
    stale = {name for name in variables_documented() if "<" not in name} - set(variables_read())
    assert not stale, f"nothing reads these any more: {sorted(stale)}"


def test_the_scanner_sees_each_kind_of_read():
    read = variables_read()
    assert {"DJANGO_SECRET_KEY", "OUTBOX_BATCH_SIZE", "RIPPLE_ADMIN_TOKEN"} <= set(read)  # env.*, os.environ
    assert {"GUNICORN_WORKERS", "RIPPLE_POSTGRES_HOST", "EMAIL_PORT"} <= set(read)  # ripple.sh, Procfile
    assert not {"ROOT", "HOST", "FLOWER_BROKER_API", "RIPPLE_TEST_RABBITMQ_HOST"} & set(read)
