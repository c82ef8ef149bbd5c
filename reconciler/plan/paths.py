"""Path-level changes inside one nested attribute (a mapping or list), the way Terraform shows
nested diffs: `settings.charts[1].timeframe: "d" -> "w"` instead of two whole values.

Computed with deepdiff, only for values that already compare unequal (and deepdiff imported
only then), so a plan of many unchanged resources pays nothing for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ABSENT", "PathChange", "path_changes"]


class _Absent:
    """The value at a path that exists on one side only."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
"""`PathChange.before` of an added path, `after` of a removed one."""

_BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KNOWN = frozenset(
    {
        "values_changed",
        "type_changes",
        "dictionary_item_added",
        "dictionary_item_removed",
        "iterable_item_added",
        "iterable_item_removed",
    }
)


@dataclass(frozen=True, slots=True)
class PathChange:
    """One difference at `path` (`settings.charts[1].timeframe`); ABSENT marks a missing side."""

    path: str
    before: Any
    after: Any


def path_changes(name: str, before: object, after: object) -> tuple[PathChange, ...]:
    """The differences between two unequal nested values of attribute `name`, path by path in
    path order; () when the values are not both mappings or both lists (the whole value is then
    the clearer change), or equal."""
    both_mappings = isinstance(before, Mapping) and isinstance(after, Mapping)
    both_lists = isinstance(before, list | tuple) and isinstance(after, list | tuple)
    if not (both_mappings or both_lists) or before == after:
        return ()
    from deepdiff import DeepDiff  # half a second to import: only when needed

    tree = DeepDiff(before, after, view="tree", verbose_level=2)
    if not tree or set(tree) - _KNOWN:
        return ()
    found: list[tuple[tuple[tuple[int, int | str], ...], PathChange]] = []
    for report in tree.values():
        for level in report:
            steps = level.path(output_format="list")
            change = PathChange(_join(name, steps), _side(level.t1), _side(level.t2))
            found.append((tuple(_sort_key(step) for step in steps), change))
    return tuple(change for _, change in sorted(found, key=lambda pair: pair[0]))


def _side(value: object) -> Any:
    from deepdiff.helper import NotPresent  # imported by path_changes already

    return ABSENT if isinstance(value, NotPresent) else value


def _join(name: str, steps: list[Any]) -> str:
    text = name
    for step in steps:
        if isinstance(step, int):
            text += f"[{step}]"
        elif _BARE.match(str(step)):
            text += f".{step}"
        else:
            text += f"[{json.dumps(str(step), ensure_ascii=False)}]"
    return text


def _sort_key(step: object) -> tuple[int, int | str]:
    return (0, step) if isinstance(step, int) else (1, str(step))
