"""A plan too large to read change by change, through the CLI against the sandbox: the summary
first, one line per change, `--detail` for every attribute."""

from __future__ import annotations

from reconciler.render import COMPACT_ABOVE
from tests.project import Project

MANY = 600
"""Traders added to the project: their creates are more than COMPACT_ABOVE changes."""


def many_traders() -> str:
    return "".join(
        f"- {{name: t{i}, username: t{i}.x, email: t{i}@example.com, first_name: T,"
        f" last_name: X{i}, password: {{generate: true}}, tradovate: {{}}}}\n"
        for i in range(MANY)
    )


def test_a_plan_of_many_changes_prints_one_line_each_after_the_summary(project: Project) -> None:
    project.write("traders/many.yaml", many_traders())
    result = project.run("plan")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    summary = next(line for line in lines if line.startswith("Plan:"))
    assert lines.index(summary) < lines.index("+ tradovate_user.t0 (create)")
    assert lines[-1] == summary  # and again at the end
    assert f"(more than {COMPACT_ABOVE}; --detail shows every attribute)" in result.output
    assert "+ tradovate_user.t599 (create)" in lines
    assert not [line for line in lines if line.startswith("    + ")]  # no attribute lines
    assert len(lines) < 2 * MANY

    detailed = project.run("plan", "--detail").output
    assert '    + username          = "t599.x"' in detailed


def test_waits_are_grouped_with_the_oldest_wait_and_listed_on_request(project: Project) -> None:
    waiting = "".join(
        f"- {{name: w{i}, username: w{i}.x, email: w{i}@example.com, first_name: W,"
        f" last_name: X{i}, password: {{generate: true}}, tradovate: {{entitlements: [t-prop]}}}}\n"
        for i in range(4)
    )
    project.write("traders/waiting.yaml", waiting)
    assert project.run("apply", "--auto-approve").exit_code == 0
    planned = project.run("plan").output
    assert planned.splitlines() == [
        "No changes. The platforms match the manifests. 5 waiting.",
        "",
        "⋯ 5 traders waiting for the Market Data Agreement signature — oldest under an hour: "
        "alice, w0, w1, … (--show-waits lists them)",
        "",
        "No changes. The platforms match the manifests. 5 waiting.",
    ]
    listed = project.run("plan", "--show-waits").output
    for trader in ("alice", "w0", "w1", "w2", "w3"):
        assert f"⋯ tradovate_entitlement.{trader}/t-prop (wait)" in listed
