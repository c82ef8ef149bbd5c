"""Markdown of plans and drift reports for a pull-request comment.

A summary table per platform, cancels called out, then one collapsible section per trader
holding the text rendering in a `diff` code block. The whole never exceeds `max_chars`
(GitHub refuses a comment above 65,536 characters): trader sections that do not fit are left
out and counted, while the summary is always complete. Pure: strings from values.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reconciler.plan import Action, Change, Drift, DriftItem, DriftStatus, Plan, restricts_trading
from reconciler.render.drift import drift_item_text, drift_summary_line
from reconciler.render.text import change_text, summary_line

COMMENT_LIMIT = 65_536
"""The most characters a GitHub comment may hold."""

PLAN_MARKER = "<!-- reconciler:plan -->"
DRIFT_MARKER = "<!-- reconciler:drift -->"
"""First line of each document, so a workflow can find and update its own comment."""

_WARN = "\u26a0\ufe0f"
_COLUMNS = (Action.CREATE, Action.UPDATE, Action.REPLACE, Action.ENTITLE, Action.CANCEL)
_DESTRUCTIVE = (Action.CANCEL, Action.REPLACE)
_PHRASES = (
    (Action.CANCEL, "to cancel"),
    (Action.REPLACE, "to replace"),
    (Action.CREATE, "to create"),
    (Action.UPDATE, "to update"),
    (Action.ENTITLE, "to entitle"),
    (Action.RESET, "to reset"),
    (Action.WAIT, "waiting"),
    (Action.NOOP, "unchanged"),
)
_NOTES_BUDGET = 8_000
_NAMES_BUDGET = 4_000
_RESERVE = 400
"""Room kept for the line that counts what was left out."""


def render_plan_markdown(
    plan: Plan, *, show_noop: bool = False, max_chars: int = COMMENT_LIMIT
) -> str:
    """The plan as a PR comment of at most `max_chars` characters (UTF-16 code units)."""
    groups: dict[str, list[Change]] = {}
    for change in plan.changes:
        if show_noop or change.action is not Action.NOOP:
            groups.setdefault(change.address.trader, []).append(change)
    head = [PLAN_MARKER, "### reconciler plan", f"**{summary_line(plan)}**"]
    if groups:
        head.append(_plan_table(plan))
    head += _cancel_callout(plan)
    head += _notes(plan.notes)
    ranked = sorted(groups.items(), key=lambda item: _rank(item[1]))
    sections = ((len(changes), _plan_section(t, changes)) for t, changes in ranked)
    footer = (
        f"<sub>Planned {plan.created_at} from state serial {plan.serial} "
        f"(lineage <code>{html.escape(plan.lineage)}</code>).</sub>"
    )
    total = sum(len(changes) for changes in groups.values())
    return _assemble(head, sections, footer, len(groups), total, max_chars, noun="change")


def render_drift_markdown(drift: Drift, *, max_chars: int = COMMENT_LIMIT) -> str:
    """The drift report as a PR comment or job summary of at most `max_chars` characters."""
    groups: dict[str, list[DriftItem]] = {}
    for item in drift.items:
        groups.setdefault(item.address.trader, []).append(item)
    head = [DRIFT_MARKER, "### reconciler drift", f"**{drift_summary_line(drift)}**"]
    if drift.items:
        head.append(_drift_table(drift))
    head += _notes(drift.notes)
    sections = ((len(items), _drift_section(t, items)) for t, items in groups.items())
    footer = (
        f"<sub>Checked {drift.created_at} against state serial {drift.serial} "
        f"(lineage <code>{html.escape(drift.lineage)}</code>).</sub>"
    )
    return _assemble(
        head, sections, footer, len(groups), len(drift.items), max_chars, noun="difference"
    )


def render_state_markdown(
    resources: Mapping[str, Mapping[str, Any]], *, serial: int, max_chars: int = COMMENT_LIMIT
) -> str:
    """Recorded state as a table of addresses, remote ids and update times (attributes are in
    the text and JSON output), at most `max_chars` characters."""
    lines = [
        "### reconciler state",
        f"**{len(resources)} resource(s) recorded** (serial {serial}).",
    ]
    if not resources:
        return "\n\n".join(lines) + "\n"
    rows = ["| address | remote id | updated |", "|:--|:--|:--|"]
    used = sum(markdown_size(line) + 2 for line in lines) + _RESERVE
    used += sum(markdown_size(row) + 1 for row in rows)
    shown = 0
    for address in sorted(resources):
        row = resources[address]
        cells = (address, row.get("remote_id"), row.get("updated_at") or "")
        text = "| " + " | ".join(f"`{cell}`" if cell else "" for cell in cells) + " |"
        if used + markdown_size(text) + 1 > max_chars:
            break
        rows.append(text)
        used += markdown_size(text) + 1
        shown += 1
    lines.append("\n".join(rows))
    if shown < len(resources):
        lines.append(f"**{len(resources) - shown} more resource(s) are not shown.**")
    return "\n\n".join(lines) + "\n"


def markdown_size(text: str) -> int:
    """Length as GitHub counts it, conservatively: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _assemble(
    head: Sequence[str],
    sections: Iterable[tuple[int, str]],
    footer: str,
    traders: int,
    items: int,
    max_chars: int,
    *,
    noun: str,
) -> str:
    parts = list(head)
    used = sum(markdown_size(p) + 2 for p in parts) + markdown_size(footer) + _RESERVE
    shown_traders = shown_items = 0
    for count, text in sections:
        size = markdown_size(text) + 2
        if used + size > max_chars:
            break
        parts.append(text)
        used += size
        shown_traders += 1
        shown_items += count
    if shown_traders < traders:
        parts.append(
            f"**{_WARN} {traders - shown_traders} more trader(s) with {items - shown_items} "
            f"{noun}(s) are not shown** to keep this comment under {max_chars:,} characters; "
            "the full list is in the text or JSON output (`reconciler show PLANFILE`)."
        )
    parts.append(footer)
    return "\n\n".join(parts) + "\n"


def _plan_table(plan: Plan) -> str:
    rows: dict[str, dict[Action, int]] = {}
    for change in plan.changes:
        row = rows.setdefault(change.address.provider, dict.fromkeys(Action, 0))
        row[change.action] += 1
    total = dict.fromkeys(Action, 0)
    for row in rows.values():
        for action, count in row.items():
            total[action] += count
    columns = (*_COLUMNS, Action.RESET) if total[Action.RESET] else _COLUMNS
    header = "| platform | " + " | ".join(a.value for a in columns) + " | waiting |"
    lines = [header, "|:--" + "|--:" * (len(columns) + 1) + "|"]
    for name, row in [*sorted(rows.items()), ("**total**", total)]:
        cells = [_cell(action, row[action]) for action in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {row[Action.WAIT]} |")
    return "\n".join(lines)


def _cell(action: Action, count: int) -> str:
    return f"**{_WARN} {count}**" if count and action in _DESTRUCTIVE else str(count)


def _cancel_callout(plan: Plan) -> list[str]:
    cancels = sorted({c.address.trader for c in plan.changes if c.action is Action.CANCEL})
    replaces = [str(c.address) for c in plan.changes if c.action is Action.REPLACE]
    restricted = [str(c.address) for c in plan.changes if restricts_trading(c)]
    lines: list[str] = []
    if cancels:
        lines.append(
            f"> **Cancels for {len(cancels)} trader(s):** {_names(cancels)}. A cancel cannot be "
            "undone: users are offboarded, accounts lose their trading permission."
        )
    if replaces:
        lines.append(
            f"> **{len(replaces)} replace(s):** {_names(replaces)}. The old object is cancelled "
            "and a new one created."
        )
    if restricted:
        lines.append(
            f"> **{_WARN} Trading locked or restricted on {len(restricted)} account(s):** "
            f"{_names(restricted)}. These count against `--max-cancel`."
        )
    return ["> [!CAUTION]\n" + "\n>\n".join(lines)] if lines else []


def _names(names: Sequence[str]) -> str:
    shown: list[str] = []
    size = 0
    for name in names:
        size += len(name) + 2
        if size > _NAMES_BUDGET:
            return ", ".join(shown) + f" and {len(names) - len(shown)} more"
        shown.append(f"`{name}`")
    return ", ".join(shown)


def _notes(notes: Sequence[str]) -> list[str]:
    if not notes:
        return []
    lines: list[str] = []
    size = 0
    for note in notes:
        line = "> - " + html.escape(note, quote=False)
        size += len(line) + 1
        if size > _NOTES_BUDGET:
            lines.append(f"> - ... and {len(notes) - len(lines)} more note(s)")
            break
        lines.append(line)
    return ["> [!NOTE]\n" + "\n".join(lines)]


def _rank(changes: Sequence[Change]) -> int:
    """Traders with cancels first, then with replaces, then the rest in plan order."""
    actions = {c.action for c in changes}
    return 0 if Action.CANCEL in actions else 1 if Action.REPLACE in actions else 2


def _plan_section(trader: str, changes: Sequence[Change]) -> str:
    counts = {action: 0 for action, _ in _PHRASES}
    for change in changes:
        counts[change.action] += 1
    phrases = [
        (f"{_WARN} " if action in _DESTRUCTIVE else "") + f"{counts[action]} {phrase}"
        for action, phrase in _PHRASES
        if counts[action]
    ]
    restricted = sum(1 for change in changes if restricts_trading(change))
    if restricted:
        phrases.append(f"{_WARN} {restricted} trading restricted")
    body = "\n\n".join(change_text(change) for change in changes)
    return _details(f"<b>{trader}</b>: {', '.join(phrases)}", body)


def _drift_table(drift: Drift) -> str:
    rows: dict[str, dict[DriftStatus, int]] = {}
    for item in drift.items:
        rows.setdefault(item.address.provider, dict.fromkeys(DriftStatus, 0))[item.status] += 1
    lines = [
        "| platform | " + " | ".join(s.value for s in DriftStatus) + " |",
        "|:--" + "|--:" * len(DriftStatus) + "|",
    ]
    for name, row in sorted(rows.items()):
        lines.append(f"| {name} | " + " | ".join(str(row[s]) for s in DriftStatus) + " |")
    return "\n".join(lines)


def _drift_section(trader: str, items: Sequence[DriftItem]) -> str:
    counts = {status: sum(1 for i in items if i.status is status) for status in DriftStatus}
    phrases = [f"{count} {status.value}" for status, count in counts.items() if count]
    body = "\n\n".join(drift_item_text(item) for item in items)
    return _details(f"<b>{trader}</b>: {', '.join(phrases)}", body)


def _details(summary: str, body: str) -> str:
    fence = "`" * max(3, _longest_backtick_run(body) + 1)
    return f"<details><summary>{summary}</summary>\n\n{fence}diff\n{body}\n{fence}\n\n</details>"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)
