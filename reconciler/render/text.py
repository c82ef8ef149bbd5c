"""Terminal text for plans and apply progress (Terraform-like symbols and colours).

Pure: builds rich renderables and strings from values; the CLI owns the Console.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import assert_never

from rich.console import Group, RenderableType

from reconciler.apply import ApplyFinished, BatchFinished, BatchStarted, Event, ItemApplied
from reconciler.plan import Action, Change, Plan
from reconciler.render.lines import Lines
from reconciler.render.plan_lines import draw_change


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
            draw_change(change, lines)
            lines.blank()
        yield lines
    lines = Lines()
    summary = summary_line(plan)
    cut = len("Plan:") if plan.has_changes else len("No changes.")
    lines.add([(summary[:cut], "bold"), (summary[cut:], None)])
    yield lines


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


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


__all__ = ["change_text", "render_event", "render_plan", "render_plan_parts", "summary_line"]
