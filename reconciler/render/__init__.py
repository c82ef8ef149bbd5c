"""Rendering plans, recorded state and apply progress for humans; pure functions of values."""

from __future__ import annotations

from reconciler.render.history import render_history
from reconciler.render.progress import ProgressSink
from reconciler.render.text import render_event, render_plan, render_state, summary_line

__all__ = [
    "ProgressSink",
    "render_event",
    "render_history",
    "render_plan",
    "render_state",
    "summary_line",
]
