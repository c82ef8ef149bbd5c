"""One meaning per name: a public class or type alias is defined in one module of the package.

The one exception is a rule, not a list: each platform's package (`providers/<platform>/`)
names its own counterparts of the same roles (its `User` wire model, its sandbox's `World`,
`SandboxConfig`, ...), the way a fourth platform will. Those are never imported side by side,
which the second test checks: no platform's package imports another's."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from reconciler.providers import PROVIDERS

PACKAGE = Path(__file__).resolve().parent.parent / "reconciler"


def defined_types(tree: ast.Module) -> set[str]:
    """Public classes and aliases (`Name = ...`, `Name: TypeAlias = ...`) at module level;
    ALL_CAPS constants are values, not types."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if n[0].isupper() and not n.isupper()}


def platform_of(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    if len(parts) > 2 and parts[0] == "providers" and parts[1] in PROVIDERS:
        return parts[1]
    return None


def modules() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text()) for path in sorted(PACKAGE.rglob("*.py"))}


def test_a_public_type_name_is_defined_once() -> None:
    definitions: dict[str, list[Path]] = defaultdict(list)
    for path, tree in modules().items():
        for name in defined_types(tree):
            definitions[name].append(path)
    clashes = {
        name: sorted(str(path.relative_to(PACKAGE)) for path in paths)
        for name, paths in definitions.items()
        if len(paths) > 1 and not is_one_per_platform(paths)
    }
    assert clashes == {}


def is_one_per_platform(paths: list[Path]) -> bool:
    """Every definition is in a platform's package, each in a different one."""
    platforms = [platform_of(path) for path in paths]
    return None not in platforms and len(set(platforms)) == len(platforms)


def test_no_platform_package_imports_another() -> None:
    offenders: dict[str, list[str]] = {}
    for path, tree in modules().items():
        platform = platform_of(path)
        if platform is None:
            continue
        imported = {
            node.module.split(".")[2]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("reconciler.providers.")
            and node.module.count(".") >= 2
        }
        others = sorted(imported & (set(PROVIDERS) - {platform}))
        if others:
            offenders[str(path.relative_to(PACKAGE))] = others
    assert offenders == {}
