"""Every exit code of plan, apply and drift: 0 nothing to do, 2 changes or drift (with
--detailed-exitcode), 1 any error (never 2, so CI can tell them apart). Apply's exit 1 for
failed items is in test_lifecycle.py, for a stale saved plan in test_saved_plan.py."""

from __future__ import annotations

import pytest

from tests.project import Project


def applied(project: Project) -> Project:
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    return project


def broken(project: Project) -> Project:
    project.write("traders/broken.yaml", "kind: Trader\nname: Zed\n")
    return project


@pytest.mark.parametrize(
    ("setup", "args", "code"),
    [
        (lambda p: p, ("plan",), 0),
        (lambda p: p, ("plan", "--detailed-exitcode"), 2),
        (applied, ("plan", "--detailed-exitcode"), 0),
        (broken, ("plan", "--detailed-exitcode"), 1),
        (lambda p: p, ("plan", "--detailed-exitcode", "--max-cancel", "-1"), 1),
        (lambda p: p, ("plan", "--detailed-exitcode", "--no-such-option"), 1),
        (lambda p: p, ("plan", "--detailed-exitcode", "--target", "Not A Target"), 1),
        (lambda p: p, ("plan", "--detailed-exitcode", "--target", "zed"), 1),
        (lambda p: p, ("apply", "--auto-approve"), 0),
        (applied, ("apply", "--auto-approve"), 0),
        (broken, ("apply", "--auto-approve"), 1),
        (lambda p: p, ("apply",), 1),
        (applied, ("drift",), 0),
        (applied, ("drift", "--detailed-exitcode"), 0),
        (lambda p: p, ("drift", "--detailed-exitcode"), 0),
        (broken, ("drift", "--detailed-exitcode"), 1),
        (lambda p: p, ("drift", "--detailed-exitcode", "--format", "yaml"), 1),
    ],
    ids=[
        "plan-changes-without-flag",
        "plan-changes",
        "plan-no-changes",
        "plan-bad-manifests",
        "plan-bad-option-value",
        "plan-unknown-option",
        "plan-invalid-target",
        "plan-target-matches-nothing",
        "apply-done",
        "apply-nothing-to-do",
        "apply-bad-manifests",
        "apply-unapproved",
        "drift-none",
        "drift-none-detailed",
        "drift-empty-state",
        "drift-bad-manifests",
        "drift-unknown-format",
    ],
)
def test_exit_code(project: Project, setup: object, args: tuple[str, ...], code: int) -> None:
    setup(project)  # type: ignore[operator]
    result = project.run(*args)
    assert result.exit_code == code, result.output


def test_drift_detailed_exitcode_is_2_when_the_platforms_changed(project: Project) -> None:
    applied(project).admin("users/carol.white/update", {"email": "carol@elsewhere.com"})
    assert project.run("drift").exit_code == 0
    assert project.run("drift", "--detailed-exitcode").exit_code == 2


def test_a_state_that_cannot_be_read_is_an_error_not_drift(project: Project) -> None:
    applied(project).state_file.write_text("{not json")
    result = project.run("drift", "--detailed-exitcode")
    assert result.exit_code == 1
    assert "Error:" in result.output
