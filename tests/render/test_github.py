"""GitHub workflow-command annotations, byte for byte against the format's escaping rules."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from reconciler.plan import Action, Address, Change, Plan
from reconciler.render import (
    AnnotatedProblem,
    annotation,
    relative_file,
    render_plan_github,
    render_problems_github,
    render_problems_json,
)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("plain", "::error title=t::plain"),
        ("100% sure", "::error title=t::100%25 sure"),
        ("two\nlines\r\n", "::error title=t::two%0Alines%0D%0A"),
        ("a: b, c", "::error title=t::a: b, c"),  # `:` and `,` are escaped in properties only
        ("%0A literally", "::error title=t::%250A literally"),
    ],
    ids=["plain", "percent", "newlines", "colon-comma-in-message", "escape-looking-text"],
)
def test_the_message_is_escaped_as_workflow_command_data(message: str, expected: str) -> None:
    assert annotation("error", message, title="t") == expected


def test_properties_escape_colons_commas_percent_and_newlines() -> None:
    line = annotation(
        "warning",
        "m",
        title="reconciler: plan, 100%\n",
        file="manifests/a,b:c.yaml",
        line=7,
        column=3,
    )
    assert line == (
        "::warning file=manifests/a%2Cb%3Ac.yaml,line=7,col=3,"
        "title=reconciler%3A plan%2C 100%25%0A::m"
    )


def test_a_problem_without_a_position_names_only_what_is_known() -> None:
    problems = [
        AnnotatedProblem("manifests/firm.yaml", 0, 0, "no Firm manifest"),
        AnnotatedProblem("", 0, 0, "nothing found"),
        AnnotatedProblem("manifests/t.yaml", 4, 0, "e-mail: bad"),
    ]
    assert render_problems_github(problems, title="v") == (
        "::error file=manifests/firm.yaml,title=v::no Firm manifest\n"
        "::error title=v::nothing found\n"
        "::error file=manifests/t.yaml,line=4,title=v::e-mail: bad\n"
    )


def test_problems_as_json_are_a_list_for_scripts() -> None:
    text = render_problems_json([AnnotatedProblem("m/t.yaml", 4, 2, "bad")])
    assert text == (
        '[\n  {\n    "file": "m/t.yaml",\n    "line": 4,\n    "column": 2,\n'
        '    "message": "bad"\n  }\n]'
    )
    assert render_problems_json([]) == "[]"


def test_paths_are_made_relative_to_the_repository_root() -> None:
    root, cwd = PurePosixPath("/repo"), PurePosixPath("/repo/sub")
    assert relative_file("manifests/a.yaml", root=root, cwd=cwd) == "sub/manifests/a.yaml"
    assert relative_file("/repo/m/b.yaml", root=root, cwd=cwd) == "m/b.yaml"
    assert relative_file("/elsewhere/c.yaml", root=root, cwd=cwd) == "/elsewhere/c.yaml"
    assert relative_file("", root=root, cwd=cwd) == ""


def test_plan_notes_are_warnings_and_waits_are_notices() -> None:
    wait = Change(
        Address.parse("tradovate_entitlement.alice/t-prop"),
        Action.WAIT,
        reason="waiting for the Market Data Agreement signature",
    )
    create = Change(Address.parse("tradovate_user.bob"), Action.CREATE, after={"a": 1})
    plan = Plan(
        changes=(create, wait),
        lineage="l",
        serial=1,
        manifest_digest="d",
        created_at="2026-01-01T00:00:00",
        notes=("resolving 2 pending operation(s): 50% done",),
    )
    assert render_plan_github(plan) == (
        "::warning title=reconciler plan::resolving 2 pending operation(s): 50%25 done\n"
        "::notice title=reconciler plan%3A wait::tradovate_entitlement.alice/t-prop: "
        "waiting for the Market Data Agreement signature\n"
    )
