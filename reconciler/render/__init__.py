"""Rendering plans, drift reports, recorded state and apply progress: terminal text, markdown
for pull-request comments, JSON and GitHub annotations; pure functions of values.

Names are imported on first use, so a command that prints its audit trail does not load the
planner."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.lazy import lazy_getattr

if TYPE_CHECKING:
    from reconciler.render.drift import drift_summary_line, render_drift
    from reconciler.render.github import (
        AnnotatedProblem,
        annotation,
        relative_file,
        render_drift_github,
        render_plan_github,
        render_problems_github,
        render_problems_json,
    )
    from reconciler.render.history import render_history
    from reconciler.render.json import (
        JSON_FORMAT_VERSION,
        plan_json_parts,
        render_drift_json,
        render_plan_json,
        render_state_json,
        state_json_parts,
    )
    from reconciler.render.lines import Lines, Styler, piece_style
    from reconciler.render.markdown import (
        COMMENT_LIMIT,
        markdown_size,
        render_drift_markdown,
        render_plan_markdown,
        render_state_markdown,
    )
    from reconciler.render.progress import ProgressSink
    from reconciler.render.state_text import render_state, state_parts
    from reconciler.render.status import (
        render_status,
        render_status_csv,
        render_status_json,
        render_status_markdown,
    )
    from reconciler.render.text import (
        COMPACT_ABOVE,
        change_text,
        render_event,
        render_plan,
        render_plan_parts,
        summary_line,
    )

_HOMES = {
    "AnnotatedProblem": "github",
    "COMMENT_LIMIT": "markdown",
    "COMPACT_ABOVE": "text",
    "JSON_FORMAT_VERSION": "json",
    "Lines": "lines",
    "ProgressSink": "progress",
    "Styler": "lines",
    "annotation": "github",
    "change_text": "text",
    "drift_summary_line": "drift",
    "markdown_size": "markdown",
    "piece_style": "lines",
    "plan_json_parts": "json",
    "relative_file": "github",
    "render_drift": "drift",
    "render_drift_github": "github",
    "render_drift_json": "json",
    "render_drift_markdown": "markdown",
    "render_event": "text",
    "render_history": "history",
    "render_plan": "text",
    "render_plan_github": "github",
    "render_plan_json": "json",
    "render_plan_markdown": "markdown",
    "render_plan_parts": "text",
    "render_problems_github": "github",
    "render_problems_json": "github",
    "render_state": "state_text",
    "render_state_json": "json",
    "render_state_markdown": "markdown",
    "render_status": "status",
    "render_status_csv": "status",
    "render_status_json": "status",
    "render_status_markdown": "status",
    "state_json_parts": "json",
    "state_parts": "state_text",
    "summary_line": "text",
}


__getattr__ = lazy_getattr(__name__, _HOMES)


__all__ = [
    "COMMENT_LIMIT",
    "COMPACT_ABOVE",
    "JSON_FORMAT_VERSION",
    "AnnotatedProblem",
    "Lines",
    "ProgressSink",
    "Styler",
    "annotation",
    "change_text",
    "drift_summary_line",
    "markdown_size",
    "piece_style",
    "plan_json_parts",
    "relative_file",
    "render_drift",
    "render_drift_github",
    "render_drift_json",
    "render_drift_markdown",
    "render_event",
    "render_history",
    "render_plan",
    "render_plan_github",
    "render_plan_json",
    "render_plan_markdown",
    "render_plan_parts",
    "render_problems_github",
    "render_problems_json",
    "render_state",
    "render_state_json",
    "render_state_markdown",
    "render_status",
    "render_status_csv",
    "render_status_json",
    "render_status_markdown",
    "state_json_parts",
    "state_parts",
    "summary_line",
]
