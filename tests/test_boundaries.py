"""The one-direction rule: which package may import which (STYLE: Boundaries)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "reconciler"

FORBIDDEN = {
    "manifest": {"state", "plan", "apply", "providers", "render", "cli", "workspace", "watch"},
    "state": {"manifest", "plan", "apply", "providers", "render", "cli", "workspace", "watch"},
    "plan": {"state", "apply", "providers", "render", "cli", "workspace", "watch"},
    "providers": {"state", "apply", "render", "cli", "workspace", "watch"},
    "apply": {"render", "cli", "workspace", "watch"},
    "render": {"state", "providers", "cli", "workspace", "manifest", "watch"},
    "watch": {"cli", "render"},
    "workspace": {"cli", "render", "watch"},
    "conformance": {"state", "apply", "render", "cli", "workspace", "watch"},
    "cli": set(),  # the command layer wires every stage
}
SHARED = {"allocator", "collector", "errors", "files", "frozen", "json_text", "lazy"}
"""Top-level modules every package may import: the C allocator's tuning, the exception tree,
the atomic file write, the GC pause, the faster frozen-dataclass constructor, the indented
JSON writer and lazy package exports."""


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n.split(".")[1] for n in names if n.startswith("reconciler.") and n.count(".") >= 1}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downstream_stages(package: str) -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in (PACKAGE / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_every_top_level_package_has_a_rule() -> None:
    """A new package cannot slip past the one-direction rule by having no entry."""
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert packages == set(FORBIDDEN)
    assert modules == SHARED


def _is_package(module: str) -> bool:
    return (PACKAGE.parent.joinpath(*module.split(".")) / "__init__.py").exists()


def test_other_packages_are_imported_only_through_their_init() -> None:
    """`from reconciler.plan import Change`, never `from reconciler.plan.action import Change`
    from outside plan/: a package's `__init__` is its API (a provider's or a sandbox's
    sub-package's `__init__` counts as one)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        own = path.relative_to(PACKAGE).parts[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            parts = node.module.split(".")
            if parts[0] != "reconciler" or len(parts) < 2 or parts[1] in (own, *SHARED):
                continue
            if not _is_package(node.module):
                offenders.append(f"{path.relative_to(PACKAGE)}: {node.module}")
    assert offenders == []


def test_the_import_graph_between_packages(capsys: pytest.CaptureFixture[str]) -> None:
    """Prints which package imports which (run with -s to read it); every edge obeys FORBIDDEN."""
    graph = {
        package: sorted(
            set().union(*(imported_packages(p) for p in (PACKAGE / package).rglob("*.py")))
            - {package, *SHARED}
        )
        for package in sorted(FORBIDDEN)
    }
    with capsys.disabled():
        for package, imported in graph.items():
            print(f"{package} -> {', '.join(imported) or '(nothing)'}")
    assert all(not set(imported) & FORBIDDEN[package] for package, imported in graph.items())
