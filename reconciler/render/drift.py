"""Terminal text for drift reports: what changed on the platforms behind reconciler's back.

Pure: builds rich renderables and strings from a Drift value; the CLI owns the Console.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from rich.console import Group, RenderableType
from rich.text import Text

from reconciler.plan import Drift, DriftItem, DriftStatus
from reconciler.render.nested import change_lines

_SYMBOLS: Mapping[DriftStatus, tuple[str, str, str]] = MappingProxyType(
    {
        DriftStatus.CHANGED: ("~", "yellow", "changed outside reconciler"),
        DriftStatus.DELETED: ("-", "red", "deleted outside reconciler"),
        DriftStatus.APPEARED: ("+", "green", "exists on the platform but not in state"),
    }
)
"""Each status's symbol, colour and wording in an item's header line."""

_INDENT = "    "
_COLOURS = MappingProxyType({"+": "green", "~": "yellow", "-": "red"})


def render_drift(drift: Drift) -> RenderableType:
    """Notes, drifted addresses grouped by trader, then the summary line."""
    blocks: list[Text] = [Text(f"Note: {note}", style="yellow") for note in drift.notes]
    current: str | None = None
    for item in drift.items:
        if item.address.trader != current:
            current = item.address.trader
            blocks.append(Text(f"# trader {current}", style="dim"))
        blocks.append(Text("\n").join(_item_lines(item)))
    summary = Text(drift_summary_line(drift))
    summary.stylize("bold", 0, len("Drift:") if drift.has_drift else len("No drift."))
    blocks.append(summary)
    spaced: list[Text] = []
    for block in blocks:
        spaced += [block, Text()]
    return Group(*spaced[:-1])


def drift_summary_line(drift: Drift) -> str:
    """The report's last line, e.g. `Drift: 1 changed, 2 deleted, 0 appeared.`."""
    if not drift.has_drift:
        return "No drift. The platforms match the recorded state."
    counts = drift.counts()
    return (
        f"Drift: {counts[DriftStatus.CHANGED]} changed, {counts[DriftStatus.DELETED]} deleted, "
        f"{counts[DriftStatus.APPEARED]} appeared."
    )


def drift_item_text(item: DriftItem) -> str:
    """One drifted address as plain text, as `render_drift` draws it (no colour)."""
    return "\n".join(line.plain for line in _item_lines(item))


def _item_lines(item: DriftItem) -> list[Text]:
    symbol, colour, wording = _SYMBOLS[item.status]
    header = Text.assemble(
        (symbol, colour), " ", (str(item.address), "bold"), " ", (f"({wording})", colour)
    )
    lines = [header]
    match item.status:
        case DriftStatus.DELETED:
            lines.append(Text(f"{_INDENT}# recorded id {item.recorded_id}", style="dim"))
        case DriftStatus.APPEARED:
            lines.append(
                Text(
                    f"{_INDENT}# remote id {item.remote_id}: plan refuses it until it is "
                    "adopted (--adopt)",
                    style="dim",
                )
            )
        case DriftStatus.CHANGED:
            entries = [
                entry
                for field in item.fields
                for entry in change_lines(field.name, field.recorded, field.remote)
            ]
            width = max(len(path) for _, path, _ in entries)
            continuation = " " * (len(_INDENT) + 2)
            for symbol, path, value in entries:
                lines.append(
                    Text.assemble(
                        _INDENT, (symbol, _COLOURS[symbol]), f" {path.ljust(width)} = {value[0]}"
                    )
                )
                lines += [Text(continuation + line) for line in value[1:]]
    return lines
