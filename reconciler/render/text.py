"""Terminal text for plans, recorded state and apply progress (Terraform-like symbols and colours).

Pure: builds rich renderables and strings from values; the CLI owns the Console.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, assert_never

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from reconciler.apply.events import ApplyFinished, BatchFinished, BatchStarted, Event, ItemApplied
from reconciler.plan.action import Action, Change
from reconciler.plan.address import Address
from reconciler.plan.plan import Plan
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

_INDENT = "    "
_FORCES_REPLACEMENT = " # forces replacement"

_Entry = tuple[tuple[str, str], str, list[str]]
"""One attribute line to draw: (symbol, colour), formatted key, value lines."""


def render_plan(plan: Plan, *, show_noop: bool = False) -> RenderableType:
    """The plan as Terraform shows one: notes, changes grouped by trader, then the summary.

    Traders appear in the order of their first change; within a trader, changes keep plan order.
    """
    return Group(*render_plan_parts(plan, show_noop=show_noop))


def render_plan_parts(plan: Plan, *, show_noop: bool = False) -> Iterator[Lines]:
    """`render_plan` in parts (the notes, each trader, the summary), made as they are printed:
    a console holds everything one `print` shows, which for 100,000 traders is gigabytes."""
    if plan.notes:
        lines = Lines()
        for note in plan.notes:
            for text in f"Note: {note}".split("\n"):
                lines.add([(text, "yellow")])
        lines.blank()
        yield lines
    if plan.moved:
        lines = Lines()
        for old, new in plan.moved:
            lines.add([(f"{old} has moved to {new}", "cyan")])
        lines.blank()
        yield lines
    for trader, changes in _group_by_trader(plan.changes, show_noop=show_noop):
        lines = Lines()
        lines.add([(f"# trader {trader}", "dim")])
        lines.blank()
        for change in changes:
            _change_lines(change, lines)
            lines.blank()
        yield lines
    lines = Lines()
    summary = summary_line(plan)
    cut = len("Plan:") if plan.has_changes else len("No changes.")
    lines.add([(summary[:cut], "bold"), (summary[cut:], None)])
    yield lines


Piece = tuple[str, str | None]
"""Some text of a line and its style name (None: unstyled)."""

Styler = Callable[[str, tuple[str | None, str | None]], str]
"""Text in the terminal codes of its style names (a piece's own, then the line's)."""


class Lines:
    """Lines of styled pieces, rendered straight to segments: a plan of 100,000 traders
    prints in well under a second, where one rich Text per line would take minutes.

    A line wider than the console is wrapped as rich wraps a Text, unless printing with
    soft wrap (as the CLI does), where lines are never wrapped.
    """

    def __init__(self) -> None:
        self.lines: list[tuple[list[Piece], str | None]] = []

    def add(self, pieces: list[Piece], *, style: str | None = None) -> None:
        """A line; `style` is laid over each piece's own (as `Text.stylize` would)."""
        self.lines.append((pieces, style))

    def blank(self) -> None:
        self.lines.append(([], None))

    def text(self, styled: Styler | None = None) -> str:
        """The lines as one string, each ending in a newline, never wrapped; `styled` puts a
        piece's text in its style's terminal codes (None: plain text)."""
        if styled is None:
            return "".join("".join(text for text, _ in pieces) + "\n" for pieces, _ in self.lines)
        return "".join(
            "".join(styled(text, (style, over)) for text, style in pieces) + "\n"
            for pieces, over in self.lines
        )

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        styles: dict[tuple[str | None, str | None], Style] = {}
        newline = Segment.line()
        for pieces, over in self.lines:
            if not options.no_wrap and sum(cell_len(t) for t, _ in pieces) > options.max_width:
                wide = Text.assemble(*((t, s or "") for t, s in pieces))
                if over:
                    wide.stylize(over)
                yield from console.render(wide, options)
                continue
            for piece, style in pieces:
                key = (style, over)
                found = styles.get(key)
                if found is None:
                    found = styles[key] = piece_style(console, key)
                yield Segment(piece, found)
            yield newline


def piece_style(console: Console, names: tuple[str | None, str | None]) -> Style:
    """The style of a piece: its own style name, then its line's laid over it."""
    named = [console.get_style(name) for name in names if name]
    return Style.combine(named) if named else Style.null()


def summary_line(plan: Plan) -> str:
    """The plan's last line in plain text, e.g. `Plan: 2 to create, ... 1 to cancel. 2 waiting.`."""
    counts = plan.counts()
    if plan.has_changes:
        line = (
            f"Plan: {counts[Action.CREATE]} to create, {counts[Action.UPDATE]} to update, "
            f"{counts[Action.REPLACE]} to replace, {counts[Action.ENTITLE]} to entitle, "
            f"{counts[Action.CANCEL]} to cancel."
        )
        if counts[Action.RESET]:  # shown only when present: most plans reset nothing
            line = f"{line[:-1]}, {counts[Action.RESET]} to reset."
        if plan.moved:
            line = f"{line[:-1]}, {len(plan.moved)} to move."
    else:
        line = "No changes. The platforms match the manifests."
    waiting = counts[Action.WAIT]
    return f"{line} {waiting} waiting." if waiting else line


def change_text(change: Change) -> str:
    """One change as plain text, exactly as `render_plan` draws it (no colour)."""
    lines = Lines()
    _change_lines(change, lines)
    return "\n".join("".join(text for text, _ in pieces) for pieces, _ in lines.lines)


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


def render_event(event: Event) -> str | None:
    """One plain progress-log line for an apply event, or None when it is not worth a line."""
    match event:
        case BatchStarted(kind=kind, action=action, size=size, index=index, total=total):
            return f"[{index}/{total}] {kind} {action.value}: {_count(size, 'item')}"
        case ItemApplied(ok=True):
            return None
        case ItemApplied(address=address, error=error):
            return f"error: {address}: {error or 'failed without a message'}"
        case BatchFinished(kind=kind, action=action, succeeded=succeeded, failed=failed):
            return f"{kind} {action.value}: {succeeded} succeeded, {failed} failed"
        case ApplyFinished():
            return _finished_line(event)
        case _:
            assert_never(event)


def _finished_line(event: ApplyFinished) -> str:
    """`Apply complete` only when every change landed; otherwise what stopped or failed."""
    counts = f"{event.succeeded} succeeded, {event.failed} failed, {event.skipped} skipped"
    if event.waiting:
        counts += f", {event.waiting} still waiting"
    if event.not_attempted:
        counts += f", {event.not_attempted} not attempted"
    took = f" in {event.seconds:.1f}s."
    if event.is_stopped:
        reached = event.total - event.not_attempted
        return f"Apply stopped after {reached} of {event.total} changes: {counts}{took}"
    if event.failed or event.skipped:
        return f"Apply finished with errors: {counts}{took}"
    return f"Apply complete: {counts}{took}"


def _group_by_trader(
    changes: Iterable[Change], *, show_noop: bool
) -> list[tuple[str, list[Change]]]:
    groups: dict[str, list[Change]] = {}
    for change in changes:
        if show_noop or change.action is not Action.NOOP:
            groups.setdefault(change.address.trader, []).append(change)
    return list(groups.items())


def _change_lines(change: Change, lines: Lines) -> None:
    """Header, comment lines and attribute lines of one change."""
    symbol, colour = _SYMBOLS[change.action]
    is_waiting = change.action is Action.WAIT
    lines.add(
        [
            (symbol, colour),
            (" ", None),
            (str(change.address), "dim" if is_waiting else "bold"),
            (" ", None),
            (f"({change.action.value})", colour),
        ]
    )
    for line in change.reason.splitlines():
        lines.add([(f"{_INDENT}# {line}", "dim")])
    if change.via is not None:
        lines.add([(f"{_INDENT}# performed by {change.via}", "dim")])
        return
    over = "dim" if is_waiting else None
    for pieces in _attribute_lines(change):
        lines.add(pieces, style=over)


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
        continuation = " " * (len(_INDENT) + len(symbol) + 1)
        block: list[list[Piece]] = [
            [(_INDENT, None), (symbol, colour), (f" {key.ljust(width)} = {value[0]}", None)]
        ]
        block += [[(continuation + line, None)] for line in value[1:]]
        if suffix:
            block[-1].append((suffix, "magenta"))
        lines += block
    return lines


def _state_lines(address: str, row: Mapping[str, Any]) -> list[Text]:
    header = Text(address, style="bold")
    if row.get("updated_at"):
        header.append(f" (updated {row['updated_at']})", style="dim")
    attributes: Mapping[str, Any] = row.get("attributes") or {}
    facts: Mapping[str, Any] = row.get("facts") or {}
    lines = [header, *_plain_lines({**attributes, "id": row.get("remote_id")})]
    if facts:
        lines += [Text(f"{_INDENT}# facts", style="dim"), *_plain_lines(facts)]
    return lines


def _plain_lines(values: Mapping[str, Any]) -> list[Text]:
    """`key = value` lines without a symbol; `id` first, then keys sorted."""
    keys = sorted(values, key=lambda key: (key != "id", key))
    names = [format_key(key) for key in keys]
    width = max((len(name) for name in names), default=0)
    lines: list[Text] = []
    for name, key in zip(names, keys, strict=True):
        value = format_value(values[key])
        lines.append(Text(f"{_INDENT}{name.ljust(width)} = {value[0]}"))
        lines += [Text(_INDENT + line) for line in value[1:]]
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


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
