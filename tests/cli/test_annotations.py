"""`--format github` and `validate --format json` through the CLI: annotations on the lines of
a pull request, chosen by themselves inside GitHub Actions."""

from __future__ import annotations

import json

from click.testing import Result

from reconciler.cli.main import main
from tests.project import Project

BAD = """\
kind: Trader
name: dave
username: dave.brown
email: not-an-email
first_name: Dave
last_name: Brown
password: "${env:ALICE_PASS}"
"""


def run(project: Project, *args: str, env: dict[str, str] | None = None) -> Result:
    return project.runner.invoke(
        main,
        ["--no-color", "--manifests", str(project.manifests), *args],
        env={"GITHUB_WORKSPACE": str(project.root), **(env or {})},
        catch_exceptions=False,
    )


def test_validate_in_github_actions_annotates_the_line_with_a_repository_path(
    project: Project,
) -> None:
    project.write("traders/dave.yaml", BAD)
    result = run(project, "validate", env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    assert result.stdout == (
        "::error file=manifests/traders/dave.yaml,line=4,title=reconciler validate%3A manifest"
        "::email: 'not-an-email' is not a valid e-mail address\n"
    )
    assert "dave.yaml:4:" in result.stderr


def test_format_given_wins_over_github_actions(project: Project) -> None:
    project.write("traders/dave.yaml", BAD)
    result = run(project, "validate", "--format", "text", env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    assert "::error" not in result.output
    assert run(project, "validate").stdout == ""  # outside GitHub Actions: text, on stderr


def test_validate_json_lists_the_problems(project: Project) -> None:
    assert json.loads(run(project, "validate", "--format", "json").stdout) == []
    project.write("traders/dave.yaml", BAD)
    result = run(project, "validate", "--format", "json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    assert [(p["file"], p["line"]) for p in problems] == [("manifests/traders/dave.yaml", 4)]
    assert problems[0]["message"] == "email: 'not-an-email' is not a valid e-mail address"


def test_a_guardrail_refusal_of_plan_is_an_error_annotation(project: Project) -> None:
    assert run(project, "apply", "--auto-approve").exit_code == 0
    project.remove("traders/team.yaml")
    refused = run(project, "plan", "--max-cancel", "1", "--format", "github")
    assert refused.exit_code == 1
    assert refused.stdout == (
        "::error title=reconciler plan::the plan cancels resources of 2 traders (bob, carol), "
        "more than --max-cancel 1 allows; review the plan, then run it again with "
        "--max-cancel 2 if that is intended\n"
    )
    assert "Error: the plan cancels" in refused.stderr


def test_plan_in_github_format_prints_the_plan_and_annotates_waits(project: Project) -> None:
    result = run(project, "plan", env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 0, result.output
    assert "+ tradovate_user.alice (create)" in result.stdout
    assert (
        "::notice title=reconciler plan%3A wait::tradovate_entitlement.alice/t-prop: "
        in result.stdout
    )


def test_drift_in_github_format_warns_per_drifted_address(project: Project) -> None:
    assert run(project, "apply", "--auto-approve").exit_code == 0
    project.admin("accounts/TESTB3/delete")
    result = run(project, "drift", "--format", "github")
    assert result.exit_code == 0, result.output
    assert (
        "::warning title=reconciler drift::tradovate_account.bob/TESTB3: "
        "deleted outside reconciler\n" in result.stdout
    )


def test_a_manifest_problem_met_by_plan_is_annotated_on_its_line(project: Project) -> None:
    project.write("traders/dave.yaml", BAD)
    result = run(project, "plan", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout == (
        "::error file=manifests/traders/dave.yaml,line=4,title=reconciler plan%3A manifest"
        "::email: 'not-an-email' is not a valid e-mail address\n"
    )
