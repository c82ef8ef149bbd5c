"""Recorded state as terminal text for `reconciler show`: one block per address, by trader."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from reconciler.plan import Address
from reconciler.render.lines import INDENT
from reconciler.render.values import format_key, format_value


def render_state(resources: Mapping[str, Mapping[str, Any]]) -> RenderableType:
    """Recorded state for `reconciler show`: one block per address, grouped by trader.

    Rows carry `remote_id`, `attributes`, `facts` and `updated_at`; digests print `(sensitive)`.
    """
    if not resources:
        return Text("The state is empty: nothing has been applied yet.")
    blocks: list[Text] = []
    current_trader: str | None = None
    for trader, address in sorted((_trader_of(address), address) for address in resources):
        if trader != current_trader and trader:
            blocks.append(Text(f"# trader {trader}", style="dim"))
        current_trader = trader
        blocks.append(_join(_state_lines(address, resources[address])))
    return _paragraphs(blocks)


def _state_lines(address: str, row: Mapping[str, Any]) -> list[Text]:
    header = Text(address, style="bold")
    if row.get("updated_at"):
        header.append(f" (updated {row['updated_at']})", style="dim")
    attributes: Mapping[str, Any] = row.get("attributes") or {}
    facts: Mapping[str, Any] = row.get("facts") or {}
    lines = [header, *_plain_lines({**attributes, "id": row.get("remote_id")})]
    if facts:
        lines += [Text(f"{INDENT}# facts", style="dim"), *_plain_lines(facts)]
    return lines


def _plain_lines(values: Mapping[str, Any]) -> list[Text]:
    """`key = value` lines without a symbol; `id` first, then keys sorted."""
    keys = sorted(values, key=lambda key: (key != "id", key))
    names = [format_key(key) for key in keys]
    width = max((len(name) for name in names), default=0)
    lines: list[Text] = []
    for name, key in zip(names, keys, strict=True):
        value = format_value(values[key])
        lines.append(Text(f"{INDENT}{name.ljust(width)} = {value[0]}"))
        lines += [Text(INDENT + line) for line in value[1:]]
    return lines


def _join(lines: Iterable[Text]) -> Text:
    return Text("\n").join(lines)


def _paragraphs(blocks: Sequence[Text]) -> Group:
    """Blocks separated by blank lines (one Text per block renders faster than one per line)."""
    spaced: list[Text] = []
    for block in blocks:
        spaced += [block, Text()]
    return Group(*spaced[:-1])


def _trader_of(address: str) -> str:
    """The trader part of a recorded address; "" for an unparsable one (sorted first, no header)."""
    try:
        return Address.parse(address).trader
    except ValueError:
        return ""


__all__ = ["render_state"]
