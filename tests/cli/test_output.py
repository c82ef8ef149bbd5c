"""Printing a plan straight to the console's file gives what rich itself prints; plans and
state as JSON are written a part at a time, each part made as it is written."""

from __future__ import annotations

import io
import json
from typing import Any

import click
import pytest
from rich.console import Console

from reconciler import json_text
from reconciler.cli.output import print_plan, print_state
from reconciler.cli.writing import write_parts
from reconciler.render import json as json_module
from reconciler.render import render_plan_json, render_plan_parts, render_state_json
from reconciler.state import ResourceState, StateDocument
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


def state_of(count: int) -> StateDocument:
    record = {
        "attributes": {"name": "Trader", "mentor": None},
        "remote_id": "7",
        "natural_key": "key",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-02T00:00:00Z",
    }
    resources = {f"tradervue_user.t{i:05d}": record for i in range(count)}
    document = {"format_version": 4, "lineage": "l", "serial": 3, "resources": resources}
    return StateDocument.from_bytes(json.dumps(document).encode())


@pytest.fixture
def rows_made(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many records' rows have been made so far (one count, updated as they are)."""
    made = [0]
    dump = ResourceState.model_dump

    def counted(self: ResourceState, **options: Any) -> dict[str, Any]:
        made[0] += 1
        return dump(self, **options)

    monkeypatch.setattr(ResourceState, "model_dump", counted)
    return made


def writes(monkeypatch: pytest.MonkeyPatch, made: list[int]) -> list[tuple[str, int]]:
    """Each text the command's output gets, with the count in `made` when it got it."""
    written: list[tuple[str, int]] = []

    def echo(message: str = "", nl: bool = True, **_: Any) -> None:
        written.append((message + ("\n" if nl else ""), made[0]))

    monkeypatch.setattr(click, "echo", echo)
    return written


def test_the_state_as_json_makes_each_row_as_it_is_written(
    monkeypatch: pytest.MonkeyPatch, rows_made: list[int]
) -> None:
    """A large state's rows are not all made before the first is written: each part of the
    JSON document is written once its rows are made."""
    monkeypatch.setattr(json_text, "STREAMED", 2)
    document = state_of(5)
    expected = render_state_json(
        {a: r.model_dump() for a, r in document.resources.items()}, serial=3
    )
    rows_made[0] = 0
    written = writes(monkeypatch, rows_made)

    print_state(console(), document, "json")

    assert "".join(text for text, _ in written) == expected + "\n"
    assert [made for _, made in written] == [0, 2, 4, 5, 5, 5, 5]


def test_the_state_as_markdown_makes_only_the_rows_its_table_shows(
    monkeypatch: pytest.MonkeyPatch, rows_made: list[int]
) -> None:
    document = state_of(3000)
    rows_made[0] = 0
    written = writes(monkeypatch, rows_made)

    print_state(console(), document, "markdown")

    (text, made), *_ = written
    assert "more resource(s) are not shown" in text
    shown = text.count("| `tradervue_user.")
    assert shown < 3000
    assert made == shown + 1  # and the first row with no room


def test_a_plan_as_json_makes_each_change_as_it_is_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = representative_plan()
    expected = render_plan_json(plan, show_noop=True)
    monkeypatch.setattr(json_text, "STREAMED", 1)
    made = [0]
    change = json_module._change

    def counted(*args: Any) -> dict[str, Any]:
        made[0] += 1
        return change(*args)

    monkeypatch.setattr(json_module, "_change", counted)
    written = writes(monkeypatch, made)

    print_plan(console(), plan, "json", show_noop=True)

    assert "".join(text for text, _ in written) == expected + "\n"
    count = len(plan.changes)
    assert [made for _, made in written] == [0, *range(1, count + 1), count, count, count]
