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
}


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
