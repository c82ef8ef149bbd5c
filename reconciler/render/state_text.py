"""Recorded state as terminal text for `reconciler show`: one block per address, by trader."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.plan import Address
from reconciler.render.lines import INDENT, Lines, Piece
from reconciler.render.values import format_key, format_value


def render_state(resources: Mapping[str, Mapping[str, Any]]) -> Lines:
    """Recorded state for `reconciler show`: one block per address, grouped by trader.

    Rows carry `remote_id`, `attributes`, `facts` and `updated_at`; digests print `(sensitive)`.
    Lines of pieces, not a rich Text per block: a large state (640,000 lines at 10,000 traders)
    prints in a fraction of the time.
    """
    lines = Lines()
    if not resources:
        lines.add([("The state is empty: nothing has been applied yet.", None)])
        return lines
    current_trader: str | None = None
    for trader, address in sorted((_trader_of(address), address) for address in resources):
        if trader != current_trader and trader:
            _paragraph(lines)
            lines.add([(f"# trader {trader}", "dim")])
        current_trader = trader
        _paragraph(lines)
        _state_lines(lines, address, resources[address])
    return lines


def _paragraph(lines: Lines) -> None:
    """A blank line before each block but the first."""
    if lines.lines:
        lines.blank()


def _state_lines(lines: Lines, address: str, row: Mapping[str, Any]) -> None:
    header: list[Piece] = [(address, None)]
    if row.get("updated_at"):
        header.append((f" (updated {row['updated_at']})", "dim"))
    lines.add(header, style="bold")
    attributes: Mapping[str, Any] = row.get("attributes") or {}
    facts: Mapping[str, Any] = row.get("facts") or {}
    _plain_lines(lines, {**attributes, "id": row.get("remote_id")})
    if facts:
        lines.add([(f"{INDENT}# facts", "dim")])
        _plain_lines(lines, facts)


def _plain_lines(lines: Lines, values: Mapping[str, Any]) -> None:
    """`key = value` lines without a symbol; `id` first, then keys sorted."""
    keys = sorted(values, key=lambda key: (key != "id", key))
    names = [format_key(key) for key in keys]
    width = max((len(name) for name in names), default=0)
    for name, key in zip(names, keys, strict=True):
        value = format_value(values[key])
        lines.add([(f"{INDENT}{name.ljust(width)} = {value[0]}", None)])
        for line in value[1:]:
            lines.add([(INDENT + line, None)])


def _trader_of(address: str) -> str:
    """The trader part of a recorded address; "" for an unparsable one (sorted first, no header)."""
    try:
        return Address.parse(address).trader
    except ValueError:
        return ""


__all__ = ["render_state"]
