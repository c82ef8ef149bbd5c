"""One plan change drawn as styled lines: its header, its reasons, and its attributes with
`=` aligned (nested values path by path); or compactly, as one line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, assert_never

from reconciler.plan import Action, Change
from reconciler.render.lines import INDENT, Lines, Piece
from reconciler.render.nested import change_lines
from reconciler.render.values import format_key, format_value

_SYMBOLS: Mapping[Action, tuple[str, str]] = MappingProxyType(
    {
        Action.CREATE: ("+", "green"),
        Action.UPDATE: ("~", "yellow"),
        Action.REPLACE: ("-/+", "magenta"),
        Action.ENTITLE: ("!", "cyan"),
        Action.RESET: ("!", "magenta"),
        Action.CANCEL: ("-", "red"),
        Action.WAIT: ("\u22ef", "dim"),
        Action.NOOP: ("=", "dim"),
    }
)
"""Each action's symbol and colour in a plan header line."""

_ADDED, _CHANGED, _REMOVED = ("+", "green"), ("~", "yellow"), ("-", "red")
_MARKS = MappingProxyType({"+": _ADDED, "~": _CHANGED, "-": _REMOVED})
"""Attribute-line symbols and colours."""

_FORCES_REPLACEMENT = " # forces replacement"

_Entry = tuple[tuple[str, str], str, list[str]]
"""One attribute line to draw: (symbol, colour), formatted key, value lines."""


def draw_change(change: Change, lines: Lines) -> None:
    """Header, comment lines and attribute lines of one change."""
    _header(change, change.action.value, lines)
    for line in change.reason.splitlines():
        lines.add([(f"{INDENT}# {line}", "dim")])
    if change.via is not None:
        if str(change.via) not in change.reason:  # the planner's reason names it already
            lines.add([(f"{INDENT}# performed by {change.via}", "dim")])
        return
    over = "dim" if change.action is Action.WAIT else None
    for pieces in _attribute_lines(change):
        lines.add(pieces, style=over)


def draw_compact(change: Change, lines: Lines) -> None:
    """One line: symbol, address, action, and what changes (the keys of an update or a
    replace, the change that performs it), never the values."""
    what = change.action.value
    if change.via is not None:
        what += f", performed by {change.via}"
    elif change.action in (Action.UPDATE, Action.RESET, Action.REPLACE):
        keys = _changed_keys(change, change.before or {}, change.after or {})
        if keys:
            what += ": " + ", ".join(keys)
    _header(change, what, lines)


def _header(change: Change, what: str, lines: Lines) -> None:
    """A change's first line: symbol, address (dim for a wait), and `what` in parentheses."""
    symbol, colour = _SYMBOLS[change.action]
    is_waiting = change.action is Action.WAIT
    lines.add(
        [
            (symbol, colour),
            (" ", None),
            (str(change.address), "dim" if is_waiting else "bold"),
            (" ", None),
            (f"({what})", colour),
        ]
    )


def _attribute_lines(change: Change) -> list[list[Piece]]:
    before = change.before or {}
    after = change.after or {}
    match change.action:
        case Action.CREATE | Action.ENTITLE | Action.WAIT:
            # an unset optional value says nothing about what will be created
            shown = {k: v for k, v in after.items() if v is not None and v != []}
            return _draw(_ADDED, shown, shown)
        case Action.CANCEL:
            return _draw(_REMOVED, before, before)
        case Action.UPDATE | Action.RESET:
            return _draw_diff(before, after, _changed_keys(change, before, after))
        case Action.REPLACE:
            keys = _changed_keys(change, before, after)
            return _draw_diff(before, after, keys, suffix=_FORCES_REPLACEMENT)
        case Action.NOOP:
            return []
        case _:
            assert_never(change.action)


def _changed_keys(change: Change, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The keys named in `changed`; every differing key when a producer left it empty."""
    if change.changed:
        return sorted(set(change.changed))
    return sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))


def _draw(
    mark: tuple[str, str], values: Mapping[str, Any], keys: Iterable[str]
) -> list[list[Piece]]:
    return _entry_lines(
        [(mark, format_key(key), format_value(values[key])) for key in sorted(keys)]
    )


def _draw_diff(
    before: Mapping[str, Any], after: Mapping[str, Any], keys: Sequence[str], *, suffix: str = ""
) -> list[list[Piece]]:
    """`~ key = old -> new`, `+ key = new` for an added key, `- key = old` for a removed one."""
    entries: list[_Entry] = []
    for key in keys:
        if key in before and key in after:
            for symbol, path, value in change_lines(key, before[key], after[key]):
                entries.append((_MARKS[symbol], path, value))
        elif key in after:
            entries.append((_ADDED, format_key(key), format_value(after[key])))
        elif key in before:
            entries.append((_REMOVED, format_key(key), format_value(before[key])))
    return _entry_lines(entries, suffix=suffix)


def _entry_lines(entries: Sequence[_Entry], *, suffix: str = "") -> list[list[Piece]]:
    """Draw entries with `=` aligned; continuation lines sit under the key."""
    width = max((len(key) for _, key, _ in entries), default=0)
    lines: list[list[Piece]] = []
    for (symbol, colour), key, value in entries:
        continuation = " " * (len(INDENT) + len(symbol) + 1)
        block: list[list[Piece]] = [
            [(INDENT, None), (symbol, colour), (f" {key.ljust(width)} = {value[0]}", None)]
        ]
        block += [[(continuation + line, None)] for line in value[1:]]
        if suffix:
            block[-1].append((suffix, "magenta"))
        lines += block
    return lines


__all__ = ["draw_change", "draw_compact"]
