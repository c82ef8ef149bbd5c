"""Terminal text for plans and apply progress (Terraform-like symbols and colours).

Pure: builds rich renderables and strings from values; the CLI owns the Console.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import assert_never

from rich.console import Group, RenderableType

from reconciler.apply import ApplyFinished, BatchFinished, BatchStarted, Event, ItemApplied
from reconciler.plan import Action, Change, Plan, of_actions
from reconciler.render.lines import Lines
from reconciler.render.plan_lines import draw_change, draw_compact
from reconciler.render.waits import group_waits, is_grouped, wait_lines

COMPACT_ABOVE = 500
"""Above this many changes to show, the text plan prints one line per change (`--detail`
prints every attribute): reconciler's own threshold (assumed, no platform states one)."""


_SHOWN = frozenset(Action) - {Action.NOOP}
"""The actions a plan lists unless asked for its no-ops too (a large firm's are nearly all)."""


def render_plan(
    plan: Plan,
    *,
    show_noop: bool = False,
    detail: bool = False,
    show_waits: bool = False,
    compact_above: int = COMPACT_ABOVE,
    since: Mapping[str, str] | None = None,
) -> RenderableType:
    """The plan as `render_plan_parts` prints it, as one renderable."""
    return Group(
        *render_plan_parts(
            plan,
            show_noop=show_noop,
            detail=detail,
            show_waits=show_waits,
            compact_above=compact_above,
            since=since,
        )
    )


def render_plan_parts(
    plan: Plan,
    *,
    show_noop: bool = False,
    detail: bool = False,
    show_waits: bool = False,
    compact_above: int = COMPACT_ABOVE,
    since: Mapping[str, str] | None = None,
) -> Iterator[Lines]:
    """The plan in parts, made as they are printed (a console holds everything one `print`
    shows, which for 100,000 traders is gigabytes): the notes, the summary, the waits grouped
    by reason, the changes grouped by trader (traders in the order of their first change,
    changes in plan order), and the summary again as the last line when more came before.

    Waits for a trader are listed one by one only with `show_waits`; `since` maps a trader
    to when their wait began, for the oldest wait. Above `compact_above` changes to list, each
    is one line unless `detail`."""
    yield from _notes(plan)
    shown = plan.changes if show_noop else list(of_actions(plan.changes, _SHOWN))
    listed = shown if show_waits else [change for change in shown if not is_grouped(change)]
    waits = group_waits(shown, since=since or {}, now=plan.created_at)  # no-ops never wait
    lines = _summary(plan)
    if waits or listed:
        lines.blank()
    if waits:
        lines.lines += wait_lines(waits, is_listed=show_waits).lines
        lines.blank()
    yield lines
    if listed and (detail or len(listed) <= compact_above):
        yield from _detailed(listed)
    elif listed:
        yield from _compact(listed, limit=compact_above)
    if waits or listed:
        yield _summary(plan)  # the last line too, where scripts read it


def _notes(plan: Plan) -> Iterator[Lines]:
    """The notes and the moves."""
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


def _summary(plan: Plan) -> Lines:
    lines = Lines()
    summary = summary_line(plan)
    cut = len("Plan:") if plan.has_changes else len("No changes.")
    lines.add([(summary[:cut], "bold"), (summary[cut:], None)])
    return lines


def _detailed(changes: Iterable[Change]) -> Iterator[Lines]:
    for trader, group in _group_by_trader(changes):
        lines = Lines()
        lines.add([(f"# trader {trader}", "dim")])
        lines.blank()
        for change in group:
            draw_change(change, lines)
            lines.blank()
        yield lines


def _compact(changes: Sequence[Change], *, limit: int) -> Iterator[Lines]:
    """One line a change, traders together; printed a thousand lines at a time."""
    lines = Lines()
    lines.add(
        [
            (
                f"{len(changes):,} changes, one line each (more than {limit:,}; "
                "--detail shows every attribute):",
                "dim",
            )
        ]
    )
    for _, group in _group_by_trader(changes):
        for change in group:
            draw_compact(change, lines)
        if len(lines.lines) >= _COMPACT_PART:
            yield lines
            lines = Lines()
    lines.blank()
    yield lines


_COMPACT_PART = 1000
"""Lines of compact output printed at once."""


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
    draw_change(change, lines)
    return "\n".join("".join(text for text, _ in pieces) for pieces, _ in lines.lines)


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
    took = f" in {event.seconds:.1f}s."
    moved = f"{_count(event.moved, 'move')} recorded in state" if event.moved else ""
    if not event.total and moved:
        return f"Apply complete: {moved} (no platform call){took}"
    counts = f"{event.succeeded} succeeded, {event.failed} failed, {event.skipped} skipped"
    if event.waiting:
        counts += f", {event.waiting} still waiting"
    if event.not_attempted:
        counts += f", {event.not_attempted} not attempted"
    if moved:
        counts += f"; {moved}"
    if event.is_stopped:
        reached = event.total - event.not_attempted
        return f"Apply stopped after {reached} of {event.total} changes: {counts}{took}"
    if event.failed or event.skipped:
        return f"Apply finished with errors: {counts}{took}"
    return f"Apply complete: {counts}{took}"


def _group_by_trader(changes: Iterable[Change]) -> list[tuple[str, list[Change]]]:
    groups: dict[str, list[Change]] = {}
    for change in changes:
        groups.setdefault(change.address.trader, []).append(change)
    return list(groups.items())


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


__all__ = [
    "COMPACT_ABOVE",
    "change_text",
    "render_event",
    "render_plan",
    "render_plan_parts",
    "summary_line",
]
