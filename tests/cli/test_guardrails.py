"""Guardrails through the CLI: --max-cancel, lifecycle.protect (remembered in state once the
manifests no longer declare the resource) and --target."""

from __future__ import annotations

import json

import pytest

from tests.project import Project, calls

MORE = """\
- {name: dan, username: dan.one, email: dan@example.com, first_name: Dan, last_name: One,
   password: {generate: true}, tradovate: {accounts: [{name: TESTD5, template: eval-50k}]}}
- {name: eve, username: eve.two, email: eve@example.com, first_name: Eve, last_name: Two,
   password: {generate: true}, tradovate: {accounts: [{name: TESTE6, template: eval-50k}]}}
- {name: fay, username: fay.six, email: fay@example.com, first_name: Fay, last_name: Six,
   password: {generate: true}, tradovate: {accounts: [{name: TESTF7, template: eval-50k}]}}
"""


def applied(project: Project) -> Project:
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    project.clear_requests()
    return project


def state(project: Project) -> dict[str, dict[str, object]]:
    return dict(json.loads(project.state_file.read_text())["resources"])


def edit(project: Project, relative: str, old: str, new: str) -> None:
    text = (project.manifests / relative).read_text()
    assert old in text
    project.write(relative, text.replace(old, new))


def test_offboarding_more_traders_than_the_default_limit_is_refused(project: Project) -> None:
    project.write("traders/more.yaml", MORE)
    applied(project)
    for name in ("traders/more.yaml", "traders/team.yaml"):
        project.remove(name)
    at_the_limit = project.run("plan")
    assert at_the_limit.exit_code == 0, at_the_limit.output
    assert "12 to cancel" in at_the_limit.output  # 5 users, their contacts and accounts
    project.remove("traders/alice.yaml")
    refused = project.run("apply", "--auto-approve")
    assert refused.exit_code == 1
    assert (
        "Error: the plan cancels resources of 6 traders (alice, bob, carol, dan, eve, fay), "
        "more than --max-cancel 5 allows" in refused.output
    )
    assert calls(project, writes_only=True) == []
    allowed = project.run("apply", "--auto-approve", "--max-cancel", "6")
    assert allowed.exit_code == 0, allowed.output
    assert state(project) == {}


def test_max_cancel_comes_from_the_option_or_the_environment(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied(project).remove("traders/team.yaml")
    assert project.run("plan").exit_code == 0
    refused = project.run("plan", "--max-cancel", "1")
    assert refused.exit_code == 1
    assert "(bob, carol)" in refused.output
    monkeypatch.setenv("RECONCILER_MAX_CANCEL", "1")
    assert project.run("plan").exit_code == 1
    assert project.run("plan", "--max-cancel", "2").exit_code == 0
    monkeypatch.setenv("RECONCILER_MAX_CANCEL", "0")
    assert "more than --max-cancel 0" in project.run("apply", "--auto-approve").output


PROTECTED = "username: alice.smith\nlifecycle: {protect: true}\n"


def test_a_protected_trader_removed_from_the_manifests_is_remembered_and_refused(
    project: Project,
) -> None:
    edit(project, "traders/alice.yaml", "username: alice.smith\n", PROTECTED)
    applied(project)
    assert state(project)["tradovate_user.alice"]["facts"]["protected"] is True  # type: ignore[index]
    project.remove("traders/alice.yaml")
    result = project.run("plan")
    assert result.exit_code == 1
    assert "Error: the plan would cancel or replace 1 protected resource(s): " in result.output
    assert "tradovate_user.alice (cancel)" in result.output
    assert "declare it again without the flag" in result.output
    assert project.run("apply", "--auto-approve", "--max-cancel", "50").exit_code == 1
    assert calls(project, writes_only=True) == []


def test_a_protected_trader_is_let_go_by_declaring_it_cancelled_without_the_flag(
    project: Project,
) -> None:
    edit(project, "traders/alice.yaml", "username: alice.smith\n", PROTECTED)
    applied(project)
    edit(project, "traders/alice.yaml", PROTECTED, "username: alice.smith\nstatus: cancelled\n")
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "- tradovate_user.alice (cancel)" in result.output
    assert not any(address.endswith(".alice") for address in state(project))


def test_a_cancelled_status_on_a_protected_trader_is_a_manifest_error(project: Project) -> None:
    edit(
        project, "traders/alice.yaml", "username: alice.smith\n", PROTECTED + "status: cancelled\n"
    )
    result = project.run("validate")
    assert result.exit_code == 1
    assert "alice.yaml:1: status: cancelled with lifecycle.protect" in result.output


def test_protection_added_without_other_changes_is_recorded_by_apply(project: Project) -> None:
    applied(project)
    edit(project, "traders/alice.yaml", "username: alice.smith\n", PROTECTED)
    assert project.run("plan", "--detailed-exitcode").exit_code == 0  # no platform change
    result = project.run("apply")  # nothing to approve: only state learns the flag
    assert result.exit_code == 0, result.output
    assert calls(project, writes_only=True) == []
    assert state(project)["tradovate_user.alice"]["facts"]["protected"] is True  # type: ignore[index]
    project.remove("traders/alice.yaml")
    assert "protected resource(s)" in project.run("plan").output


def test_protection_removed_and_applied_lets_the_trader_go(project: Project) -> None:
    edit(project, "traders/alice.yaml", "username: alice.smith\n", PROTECTED)
    applied(project)
    edit(project, "traders/alice.yaml", PROTECTED, "username: alice.smith\n")
    assert project.run("apply").exit_code == 0
    assert state(project)["tradovate_user.alice"]["facts"]["protected"] is False  # type: ignore[index]
    project.remove("traders/alice.yaml")
    assert project.run("apply", "--auto-approve").exit_code == 0
    assert "tradovate_user.alice" not in state(project)


def test_a_protected_account_cannot_be_replaced_or_removed(project: Project) -> None:
    protected = "{name: TESTC4, template: eval-100k, lifecycle: {protect: true}}"
    edit(project, "traders/team.yaml", "{name: TESTC4, template: eval-100k}", protected)
    applied(project)
    edit(
        project,
        "traders/team.yaml",
        "template: eval-100k, lifecycle",
        "template: eval-50k, lifecycle",
    )
    replaced = project.run("plan")
    assert replaced.exit_code == 1
    assert "tradovate_account.carol/TESTC4 (replace)" in replaced.output
    text = (project.manifests / "traders/team.yaml").read_text()
    project.write(
        "traders/team.yaml",
        text.replace(
            "    accounts: [{name: TESTC4, template: eval-50k, lifecycle: {protect: true}}]\n",
            "    accounts: []\n",
        ),
    )
    removed = project.run("plan")
    assert removed.exit_code == 1
    assert "tradovate_account.carol/TESTC4 (cancel)" in removed.output


def test_targets_limit_plan_and_apply_to_a_trader_and_its_dependencies(project: Project) -> None:
    planned = project.run("plan", "--target", "tradovate_account.alice/TESTA1")
    assert planned.exit_code == 0, planned.output
    assert "+ tradovate_user.alice (create)" in planned.output  # what the account depends on
    assert "+ tradovate_account.alice/TESTA1 (create)" in planned.output
    assert "tradovate_contact.alice" not in planned.output
    assert "bob" not in planned.output.replace("targeting", "")
    assert "Note: targeting is in effect" in planned.output
    assert "Plan: 2 to create" in planned.output
    result = project.run("apply", "--auto-approve", "--target", "carol")
    assert result.exit_code == 0, result.output
    assert sorted(state(project)) == ["tradovate_account.carol/TESTC4", "tradovate_user.carol"]
    assert "Plan: 7 to create" in project.run("plan").output


def test_a_target_naming_nothing_or_malformed_is_refused(project: Project) -> None:
    missing = project.run("plan", "--target", "tradovate_user.zed")
    assert missing.exit_code == 1
    assert (
        "Error: target 'tradovate_user.zed' matches no declared or recorded resource"
        in missing.output
    )
    malformed = project.run("plan", "--target", "Alice Smith")
    assert malformed.exit_code == 1
    assert "invalid target 'Alice Smith'" in malformed.output


def test_a_protected_account_holds_its_traders_offboarding_and_says_so(project: Project) -> None:
    """Offboarding carol (`status: cancelled`) would cancel her protected account: refused,
    naming the account and its own flag; clearing that flag (no apply needed) lets her go."""
    protected = "{name: TESTC4, template: eval-100k, lifecycle: {protect: true}}"
    edit(project, "traders/team.yaml", "{name: TESTC4, template: eval-100k}", protected)
    applied(project)
    edit(
        project,
        "traders/team.yaml",
        "  last_name: White\n",
        "  last_name: White\n  status: cancelled\n",
    )
    refused = project.run("plan")
    assert refused.exit_code == 1
    assert refused.output == (
        "Error: the plan would cancel or replace 1 protected resource(s): "
        "tradovate_account.carol/TESTC4 (cancel: trader carol is offboarded); each is held by "
        "its own `lifecycle: {protect: true}`, even when its trader is offboarded: set "
        "`lifecycle: {protect: false}` on it in the manifests to let it go\n"
    )
    edit(project, "traders/team.yaml", "lifecycle: {protect: true}", "lifecycle: {protect: false}")
    planned = project.run("plan")
    assert planned.exit_code == 0, planned.output
    assert "- tradovate_account.carol/TESTC4 (cancel)" in planned.output
    assert "- tradovate_user.carol (cancel)" in planned.output
