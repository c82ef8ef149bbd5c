"""Drift, replace, cancel and partial failures, through the CLI against the sandbox."""

from __future__ import annotations

import json

from tests.project import Project, calls


def applied(project: Project) -> Project:
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    project.clear_requests()
    return project


def state(project: Project) -> dict[str, dict[str, object]]:
    return dict(json.loads(project.state_file.read_text())["resources"])


def test_remote_risk_drift_is_planned_and_corrected(project: Project) -> None:
    applied(project).admin("accounts/TESTA1/update", {"dailyLossAutoLiq": 900})
    planned = project.run("plan").output
    assert "~ tradovate_account.alice/TESTA1" in planned
    assert "1 to update" in planned
    assert project.run("apply", "--auto-approve").exit_code == 0
    assert calls(project, writes_only=True) == [
        "POST demo /v1/useraccountautoliq/updateuserautoliqs"
    ]
    assert "No changes." in project.run("plan").output


def test_remote_email_drift_is_corrected(project: Project) -> None:
    applied(project).admin("users/carol.white/update", {"email": "someone@else.com"})
    planned = project.run("plan").output
    assert '~ email = "someone@else.com" -> "carol@example.com"' in planned
    project.run("apply", "--auto-approve")
    assert "No changes." in project.run("plan").output


def test_user_deleted_remotely_is_created_again(project: Project) -> None:
    applied(project).admin("users/carol.white/delete")
    planned = project.run("plan").output
    assert "no longer exists on the platform" in planned
    assert project.run("apply", "--auto-approve").exit_code == 0
    assert "No changes." in project.run("plan").output


def test_template_change_replaces_the_account(project: Project) -> None:
    old = state(applied(project))["tradovate_account.carol/TESTC4"]["remote_id"]
    project.write(
        "traders/team.yaml",
        (project.manifests / "traders/team.yaml")
        .read_text()
        .replace("{name: TESTC4, template: eval-100k}", "{name: TESTC4, template: eval-50k}"),
    )
    planned = project.run("plan").output
    assert "-/+ tradovate_account.carol/TESTC4" in planned
    assert project.run("apply", "--auto-approve").exit_code == 0
    assert calls(project, writes_only=True) == [
        "POST demo /v1/user/revoketradingpermissions",
        "POST demo /v1/user/createevaluationaccounts",
    ]
    new = state(project)["tradovate_account.carol/TESTC4"]["remote_id"]
    assert new != old
    assert "No changes." in project.run("plan").output


def test_removed_account_revokes_its_trading_permission(project: Project) -> None:
    applied(project)
    text = (project.manifests / "traders/team.yaml").read_text()
    project.write(
        "traders/team.yaml", text.replace("      - {name: TESTB3, template: eval-100k}\n", "")
    )
    planned = project.run("plan").output
    assert "- tradovate_account.bob/TESTB3" in planned
    assert project.run("apply", "--auto-approve").exit_code == 0
    assert calls(project, writes_only=True) == ["POST demo /v1/user/revoketradingpermissions"]
    assert "tradovate_account.bob/TESTB3" not in state(project)
    assert "No changes." in project.run("plan").output


def test_removed_trader_is_cancelled_everywhere_in_one_call_per_domain(project: Project) -> None:
    applied(project)
    project.remove("traders/alice.yaml")
    planned = project.run("plan").output
    assert "- tradovate_user.alice" in planned
    assert "# performed by the cancel of tradovate_user.alice" in planned
    assert "# performed by tradovate_user.alice" not in planned  # said once, not twice
    assert "1 to cancel" in planned or "3 to cancel" in planned
    assert project.run("apply", "--auto-approve").exit_code == 0
    assert calls(project, writes_only=True) == [
        "POST live /v1/user/canceleverything",
        "POST demo /v1/user/canceleverything",
    ]
    assert not [a for a in state(project) if a.split(".")[1].startswith("alice")]
    permissions = project.world()["tradingPermissions"]
    assert all(
        p["status"] == "Revoked"
        for p in permissions
        if p["accountHolderEmail"] == "alice@example.com"
    )
    assert "No changes." in project.run("plan").output


def test_status_cancelled_offboards_the_trader(project: Project) -> None:
    applied(project)
    text = (project.manifests / "traders/team.yaml").read_text()
    project.write(
        "traders/team.yaml",
        text.replace("  username: carol.white\n", "  username: carol.white\n  status: cancelled\n"),
    )
    assert "- tradovate_user.carol" in project.run("plan").output
    assert project.run("apply", "--auto-approve").exit_code == 0
    assert "tradovate_user.carol" not in state(project)
    assert "No changes." in project.run("plan").output


def test_an_email_the_platform_would_refuse_is_refused_by_the_plan(project: Project) -> None:
    project.write(
        "traders/dave.yaml",
        """\
        kind: Trader
        name: dave
        username: dave.brown
        email: admin@sandbox.invalid
        first_name: Dave
        last_name: Brown
        password: {generate: true}
        tradovate:
          accounts: [{name: TESTD9, template: eval-50k}]
    """,
    )
    # The platform would refuse the e-mail ("Email already registered"): the plan foresees it.
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 1
    assert "tradovate_user.dave: e-mail admin@sandbox.invalid is already held" in result.output
    assert calls(project, writes_only=True) == []
    assert not project.state_file.exists() or "tradovate_user.dave" not in state(project)
