"""Recorded state as terminal text for `reconciler show`: one block per address, by trader."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
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
    for part in state_parts(resources, resources.__getitem__):
        lines.lines.extend(part.lines)
    return lines


STATE_BLOCKS = 10_000
"""Addresses rendered at a time by `state_parts` (assumed: a tuning of ours; the rows and
lines of a large state's every address, held at once, were 3 GiB at 100,000 traders)."""


def state_parts(
    addresses: Iterable[str], row_of: Callable[[str], Mapping[str, Any]]
) -> Iterator[Lines]:
    """`render_state` of the rows `row_of` gives for `addresses`, STATE_BLOCKS addresses at a
    time: each row is made as it is rendered, and let go with its part."""
    ordered = sorted((_trader_of(address), address) for address in addresses)
    if not ordered:
        empty = Lines()
        empty.add([("The state is empty: nothing has been applied yet.", None)])
        yield empty
        return
    current_trader: str | None = None
    for start in range(0, len(ordered), STATE_BLOCKS):
        lines = Lines()
        for trader, address in ordered[start : start + STATE_BLOCKS]:
            begun = bool(start or lines.lines)  # a blank line before each block but the first
            if trader != current_trader and trader:
                if begun:
                    lines.blank()
                lines.add([(f"# trader {trader}", "dim")])
                begun = True
            current_trader = trader
            if begun:
                lines.blank()
            _state_lines(lines, address, row_of(address))
        yield lines


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


__all__ = ["STATE_BLOCKS", "render_state", "state_parts"]
