"""Printing a plan straight to the console's file gives what rich itself prints."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from reconciler.cli.writing import write_parts
from reconciler.render import render_plan_parts
from tests.render.test_text import representative_plan


def console(**options: object) -> Console:
    return Console(file=io.StringIO(), width=60, soft_wrap=True, highlight=False, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"color_system": None}, id="no-terminal"),
        pytest.param({"force_terminal": True, "color_system": "truecolor"}, id="truecolor"),
        pytest.param({"force_terminal": True, "color_system": "standard"}, id="standard"),
        pytest.param({"force_terminal": True, "no_color": True}, id="no-color"),
    ],
)
def test_the_fast_path_writes_exactly_what_rich_prints(options: dict[str, object]) -> None:
    plan = representative_plan()
    through_rich = console(**options)
    for part in render_plan_parts(plan, show_noop=True):
        through_rich.print(part)
    fast = console(**options)
    write_parts(fast, render_plan_parts(plan, show_noop=True))
    expected = through_rich.file.getvalue()  # type: ignore[attr-defined]
    assert fast.file.getvalue() == expected  # type: ignore[attr-defined]
    assert ("\x1b[" in expected) is ("force_terminal" in options)  # the comparison means something


def test_a_wrapping_console_is_left_to_rich() -> None:
    """Without soft wrap, long lines wrap as rich wraps them (the fast path never wraps)."""
    plan = representative_plan()
    out = Console(file=io.StringIO(), width=30, color_system=None, soft_wrap=False)
    write_parts(out, render_plan_parts(plan))
    assert max(len(line) for line in out.file.getvalue().splitlines()) <= 30  # type: ignore[attr-defined]
