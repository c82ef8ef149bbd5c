"""GitHub Actions workflow-command annotations (`::error file=...,line=...::message`): manifest
problems on the line of a pull request's diff, plan notes, guardrail refusals and drift.

Pure: strings from values. Escaping follows the workflow-command format: in the message `%`,
CR and LF become `%25`, `%0D`, `%0A`; in property values `:` and `,` too (`%3A`, `%2C`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from types import MappingProxyType
from typing import Literal

from reconciler.plan import Action, Drift, DriftStatus, Plan

Level = Literal["error", "warning", "notice"]
_DRIFTED: Mapping[DriftStatus, str] = MappingProxyType(
    {
        DriftStatus.CHANGED: "changed outside reconciler",
        DriftStatus.DELETED: "deleted outside reconciler",
        DriftStatus.APPEARED: "exists on the platform but not in state",
    }
)


@dataclass(frozen=True, slots=True)
class AnnotatedProblem:
    """One manifest problem: `file` relative to the repository root ('' when unknown), `line`
    and `column` from 1 (0 when unknown)."""

    file: str
    line: int
    column: int
    message: str


def escape_data(text: str) -> str:
    """The message part of a workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (file, title) of a workflow command."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(
    level: Level,
    message: str,
    *,
    title: str,
    file: str = "",
    line: int = 0,
    column: int = 0,
) -> str:
    """One workflow command line: `::level file=F,line=L,col=C,title=T::message`."""
    properties: list[tuple[str, str]] = []
    if file:
        properties.append(("file", file))
        if line:
            properties.append(("line", str(line)))
            if column:
                properties.append(("col", str(column)))
    properties.append(("title", title))
    listed = ",".join(f"{name}={escape_property(value)}" for name, value in properties)
    return f"::{level} {listed}::{escape_data(message)}"


def relative_file(path: str, *, root: PurePath, cwd: PurePath) -> str:
    """`path` (absolute, or relative to `cwd`) relative to the repository `root`, with `/`;
    unchanged when it lies outside the root."""
    if not path:
        return ""
    full = PurePath(path)
    if not full.is_absolute():
        full = cwd / full
    try:
        return full.relative_to(root).as_posix()
    except ValueError:
        return PurePath(path).as_posix()


def render_problems_github(problems: Iterable[AnnotatedProblem], *, title: str) -> str:
    """An `::error` per manifest problem, one per line."""
    return "".join(
        annotation("error", p.message, title=title, file=p.file, line=p.line, column=p.column)
        + "\n"
        for p in problems
    )


def render_problems_json(problems: Sequence[AnnotatedProblem]) -> str:
    """The problems as a JSON list of {file, line, column, message}, for scripts."""
    rows = [
        {"file": p.file, "line": p.line, "column": p.column, "message": p.message} for p in problems
    ]
    return json.dumps(rows, indent=2, ensure_ascii=False)


def render_plan_github(plan: Plan) -> str:
    """A `::warning` per plan note and a `::notice` per change waiting on a precondition."""
    lines = [annotation("warning", note, title="reconciler plan") for note in plan.notes]
    lines.extend(
        annotation("notice", f"{change.address}: {change.reason}", title="reconciler plan: wait")
        for change in plan.changes
        if change.action is Action.WAIT
    )
    return "".join(f"{line}\n" for line in lines)


def render_drift_github(drift: Drift) -> str:
    """A `::warning` per drift note and per drifted address."""
    lines = [annotation("warning", note, title="reconciler drift") for note in drift.notes]
    lines.extend(
        annotation("warning", f"{item.address}: {_DRIFTED[item.status]}", title="reconciler drift")
        for item in drift.items
    )
    return "".join(f"{line}\n" for line in lines)


__all__ = [
    "AnnotatedProblem",
    "annotation",
    "escape_data",
    "escape_property",
    "relative_file",
    "render_drift_github",
    "render_plan_github",
    "render_problems_github",
    "render_problems_json",
]
