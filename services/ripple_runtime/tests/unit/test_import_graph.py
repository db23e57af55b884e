"""The layout holds: no import circles, contracts without frameworks, no service importing another.

The graph is built with `ast` from every module of the runtime, the contracts and each service,
counting imports inside functions too (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]
ROOTS = {  # the folder that holds each top-level package
    "shared_contracts": REPO / "shared_contracts" / "src",
    "ripple_runtime": REPO / "services" / "ripple_runtime",
    "ripple_testing": REPO / "services" / "ripple_testing",
    "catalog": REPO / "services" / "catalog",
    "catalog_site": REPO / "services" / "catalog",
    "media": REPO / "services" / "media",
    "media_site": REPO / "services" / "media",
    "search": REPO / "services" / "search",
    "search_site": REPO / "services" / "search",
    "notifications": REPO / "services" / "notifications",
    "notifications_site": REPO / "services" / "notifications",
}
SERVICES = ("catalog", "media", "search", "notifications")


def module_name(root: Path, path: Path) -> str:
    """`a/b/c.py` → `a.b.c`, `a/b/__init__.py` → `a.b`."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST, name: str, is_package: bool) -> set[str]:
    """Every module a module imports (absolute names; `from x import y` counts x.y when it is a module)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def build_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports."""
    sources: dict[str, tuple[ast.AST, bool]] = {}
    for package, root in ROOTS.items():
        for path in (root / package).rglob("*.py"):
            if "migrations" not in path.parts:
                sources[module_name(root, path)] = (ast.parse(path.read_text()), path.name == "__init__.py")
    return {
        name: {target for target in imported(tree, name, is_pkg) if target in sources and target != name}
        for name, (tree, is_pkg) in sources.items()
    }


GRAPH = build_graph()


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph[node]:
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_graph_covers_the_runtime_and_every_service():
    assert "ripple_runtime.messaging.consumer" in GRAPH
    assert "ripple_runtime.messaging.service" in GRAPH["ripple_runtime.messaging.consumer"]
    assert {"media.service", "search.service", "notifications.tasks", "catalog.events"} <= set(GRAPH)


def test_the_cycle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_in_a_circle():
    # packages import their own submodules' names through __init__ rarely; none of ours does
    assert cycles(GRAPH) == []


def external_imports(package: str) -> set[str]:
    """Top-level names of everything a package's modules import."""
    names: set[str] = set()
    for path in (ROOTS[package] / package).rglob("*.py"):
        for target in imported(ast.parse(path.read_text()), "", False):
            names.add(target.split(".")[0])
    return names


def test_the_contracts_import_no_framework_and_no_client():
    assert (
        external_imports("shared_contracts") & {"django", "celery", "rest_framework", "kombu", "amqp"}
        == set()
    )
    assert not any(target.startswith("ripple_") for target in external_imports("shared_contracts"))


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another_or_the_test_helpers(service):
    others = {pkg for other in SERVICES if other != service for pkg in (other, f"{other}_site")}
    used = external_imports(service) | external_imports(f"{service}_site")
    assert used & others == set()
    assert "ripple_testing" not in used and "ripple_testing" not in external_imports("ripple_runtime")


def test_the_catalog_app_does_not_import_its_project_package():
    assert "catalog_site" not in external_imports("catalog")
