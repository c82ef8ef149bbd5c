"""Nested attribute changes drawn path by path (`~ settings.charts[1].timeframe = "d" -> "w"`),
shared by the plan's and the drift report's text (and so the markdown comment)."""

from __future__ import annotations

from typing import Literal

from reconciler.plan import ABSENT, path_changes
from reconciler.render.values import format_key, format_value

Symbol = Literal["+", "~", "-"]
PathLine = tuple[Symbol, str, list[str]]
"""A symbol, the path (or the attribute's name) and the value's lines."""

ARROW = " -> "


def change_lines(name: str, before: object, after: object) -> list[PathLine]:
    """`~ name = old -> new`, or one line per changed path when both values are nested."""
    paths = path_changes(name, before, after)
    if not paths:
        return [("~", format_key(name), arrow(before, after))]
    lines: list[PathLine] = []
    for change in paths:
        if change.before is ABSENT:
            lines.append(("+", change.path, format_value(change.after)))
        elif change.after is ABSENT:
            lines.append(("-", change.path, format_value(change.before)))
        else:
            lines.append(("~", change.path, arrow(change.before, change.after)))
    return lines


def arrow(before: object, after: object) -> list[str]:
    """`old -> new` as lines (a block value's last line carries the arrow)."""
    old, new = format_value(before), format_value(after)
    return [*old[:-1], old[-1] + ARROW + new[0], *new[1:]]
