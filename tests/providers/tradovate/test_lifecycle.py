"""Evaluation-account lifecycle: resets, risk categories and trading locks, through the CLI
against the sandbox over real HTTP."""

from __future__ import annotations

import json
from typing import Any

from tests.project import Project, calls

RESET = "POST demo /v1/account/resetdemoaccountstate"
SWITCH = "POST demo /v1/accountriskstatus/switchriskcategory"
ADMIN = "POST demo /v1/accountriskstatus/setadminautoliqaction"


def declare(project: Project, account: str, extra: str) -> None:
    """Add `extra` (YAML flow fields) to one account of the team's or alice's manifests."""
    for path in ("traders/alice.yaml", "traders/team.yaml"):
        file = project.manifests / path
        text = file.read_text()
        for template in ("eval-50k", "eval-100k"):
            old = f"{{name: {account}, template: {template}"
            if old in text:
                file.write_text(text.replace(old, f"{old}, {extra}"))
                return
    raise AssertionError(f"{account} is not declared")


def undeclare(project: Project, account: str, extra: str) -> None:
    for path in ("traders/alice.yaml", "traders/team.yaml"):
        file = project.manifests / path
        file.write_text(file.read_text().replace(f", {extra}", ""))


def applied(project: Project) -> Project:
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    project.clear_requests()
    return project


def account(project: Project, name: str) -> dict[str, Any]:
    world = project.world()
    return next(a for a in world["accounts"] if a["name"] == name and not a["closed"])


def status(project: Project, name: str) -> dict[str, Any]:
    world = project.world()
    found = account(project, name)
    return next((s for s in world["accountRiskStatuses"] if s["id"] == found["id"]), {})


def is_converged(project: Project) -> bool:
    return project.run("plan", "--detailed-exitcode").exit_code == 0


# --- reset ------------------------------------------------------------------------------


def test_the_first_apply_of_a_new_account_records_the_token_without_resetting(
    project: Project,
) -> None:
    declare(project, "TESTA1", 'reset: "1"')
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert RESET not in calls(project)
    assert status(project, "TESTA1").get("resets") is None
    document = json.loads(project.state_file.read_text())
    assert document["resources"]["tradovate_account.alice/TESTA1"]["attributes"]["reset"] == "1"
    assert is_converged(project)


def test_a_token_added_to_an_existing_account_is_recorded_not_reset(project: Project) -> None:
    applied(project)
    declare(project, "TESTA1", "reset: 2026-12-01")
    plan = project.run("plan")
    assert "~ tradovate_account.alice/TESTA1 (update)" in plan.output
    assert "first reset recorded: nothing is reset" in plan.output
    applied(project)
    assert RESET not in calls(project)
    assert is_converged(project)


def test_a_changed_token_resets_once_in_one_call_across_traders(project: Project) -> None:
    for name in ("TESTA1", "TESTB2", "TESTB3"):
        declare(project, name, 'reset: "1"')
    applied(project)
    for name in ("TESTA1", "TESTB2", "TESTB3"):
        undeclare(project, name, 'reset: "1"')
        declare(project, name, "reset: 2")
    plan = project.run("plan")
    assert "! tradovate_account.alice/TESTA1 (reset)" in plan.output
    assert '~ reset = "1" -> "2"' in plan.output
    assert "3 to reset." in plan.output
    markdown = project.run("plan", "--format", "markdown").output
    assert "3 to reset" in markdown
    assert "| reset |" in markdown.replace(" waiting |", "")
    document = json.loads(project.run("plan", "--format", "json").output)
    assert document["summary"]["reset"] == 3
    assert {c["action"] for c in document["changes"] if c["action"] not in ("no-op", "wait")} == {
        "reset"
    }
    project.clear_requests()
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert calls(project, writes_only=True) == [RESET]
    for name in ("TESTA1", "TESTB2", "TESTB3"):  # one call reset all three
        assert status(project, name)["resets"] == 1
        assert set(status(project, name)["lastResetTradeDate"]) == {"year", "month", "day"}
    assert is_converged(project)
    trail = json.loads(project.run("history", "alice", "--format", "json").output)
    entries = trail["entries"] if isinstance(trail, dict) else trail
    assert any(
        e["action"] == "reset" and e["address"] == "tradovate_account.alice/TESTA1" for e in entries
    )


def test_a_reset_whose_answer_was_lost_is_neither_repeated_nor_planned_again(
    project: Project,
) -> None:
    declare(project, "TESTA1", 'reset: "1"')
    applied(project)
    undeclare(project, "TESTA1", 'reset: "1"')
    declare(project, "TESTA1", 'reset: "2"')
    project.admin(
        "faults",
        {"method": "POST", "path": "/demo/v1/account/resetdemoaccountstate", "effect": "reset",
         "after_processing": True},
    )  # fmt: skip
    crashed = project.run("apply", "--auto-approve")
    assert crashed.exit_code == 1
    assert status(project, "TESTA1")["resets"] == 1  # the platform did reset
    pending = json.loads(project.state_file.read_text())["pending"]
    assert [op["action"] for op in pending.values()] == ["reset"]
    project.admin("faults/clear")
    plan = project.run("plan")
    assert "~ tradovate_account.alice/TESTA1 (update)" in plan.output
    assert "recorded, not sent again" in plan.output
    project.clear_requests()
    applied_again = project.run("apply", "--auto-approve")
    assert applied_again.exit_code == 0, applied_again.output
    assert RESET not in calls(project)
    assert status(project, "TESTA1")["resets"] == 1
    assert is_converged(project)


def test_a_rate_limited_reset_is_planned_again(project: Project) -> None:
    """A 429 means the platform served nothing: the reset is not lost."""
    declare(project, "TESTA1", 'reset: "1"')
    applied(project)
    undeclare(project, "TESTA1", 'reset: "1"')
    declare(project, "TESTA1", 'reset: "2"')
    project.admin(
        "faults",
        {"method": "POST", "path": "/demo/v1/account/resetdemoaccountstate", "status": 429,
         "times": 1},
    )  # fmt: skip
    assert project.run("apply", "--auto-approve").exit_code == 1
    assert "! tradovate_account.alice/TESTA1 (reset)" in project.run("plan").output
    applied(project)
    assert status(project, "TESTA1")["resets"] == 1
    assert is_converged(project)


# --- risk category ----------------------------------------------------------------------


def category(project: Project, name: str) -> int:
    return int(account(project, name)["riskCategoryId"])


def test_a_risk_category_is_switched_by_name_grouped_by_category(project: Project) -> None:
    applied(project)
    assert category(project, "TESTA1") == 12  # the template's (EVAL50K)
    for name in ("TESTA1", "TESTB2", "TESTC4"):
        declare(project, name, "risk_category: FUNDED")
    declare(project, "TESTB3", "risk_category: REVIEW")
    plan = project.run("plan")
    assert "~ tradovate_account.alice/TESTA1 (update)" in plan.output
    assert '~ risk_category = "EVAL50K" -> "FUNDED"' in plan.output
    project.clear_requests()
    applied_result = project.run("apply", "--auto-approve")
    assert applied_result.exit_code == 0, applied_result.output
    assert calls(project, writes_only=True) == [SWITCH, SWITCH]  # one per category
    assert [category(project, n) for n in ("TESTA1", "TESTB2", "TESTC4", "TESTB3")] == [
        14, 14, 14, 15,
    ]  # fmt: skip
    assert is_converged(project)


def test_a_template_risk_category_applies_to_new_accounts_at_creation(project: Project) -> None:
    firm = project.manifests / "firm.yaml"
    firm.write_text(
        firm.read_text().replace(
            "        initial_balance: 100000\n",
            "        initial_balance: 100000\n        risk_category: FUNDED\n",
        )
    )
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert [category(project, n) for n in ("TESTB3", "TESTC4", "TESTA1")] == [14, 14, 12]
    assert is_converged(project)


def test_an_unknown_risk_category_fails_the_plan_with_one_line(project: Project) -> None:
    applied(project)
    declare(project, "TESTA1", "risk_category: PLATINUM")
    result = project.run("plan")
    assert result.exit_code == 1
    assert "Error: tradovate risk category 'PLATINUM' not found on the platform" in result.output
    assert "Traceback" not in result.output


def test_a_risk_category_changed_on_the_platform_is_drift_and_planned_back(
    project: Project,
) -> None:
    declare(project, "TESTA1", "risk_category: FUNDED")
    applied(project)
    changed = project.run(
        "sandbox", "--url", project.url, "update-account", "TESTA1", "riskCategoryId=11"
    )
    assert changed.exit_code == 0, changed.output
    drift = project.run("drift", "--detailed-exitcode")
    assert drift.exit_code == 2, drift.output
    assert "~ tradovate_account.alice/TESTA1 (changed outside reconciler)" in drift.output
    assert "EVAL25K" in drift.output
    assert '~ risk_category = "EVAL25K" -> "FUNDED"' in project.run("plan").output
    applied(project)
    assert category(project, "TESTA1") == 14
    assert is_converged(project)


# --- trading ----------------------------------------------------------------------------


def test_locking_trading_sets_the_admin_action_once_per_account(project: Project) -> None:
    applied(project)
    declare(project, "TESTA1", 'trading: locked, reason: "under review"')
    declare(project, "TESTB2", "trading: liquidate_only")
    plan = project.run("plan", "--max-cancel", "5")
    assert '~ trading        = "normal" -> "locked"' in plan.output or (
        '~ trading = "normal" -> "locked"' in plan.output
    ), plan.output
    markdown = project.run("plan", "--format", "markdown", "--max-cancel", "5").output
    assert "\u26a0\ufe0f Trading locked or restricted on 2 account(s)" in markdown
    assert "\u26a0\ufe0f 1 trading restricted" in markdown
    document = json.loads(project.run("plan", "--format", "json", "--max-cancel", "5").output)
    assert document["restricted_traders"] == ["alice", "bob"]
    project.clear_requests()
    result = project.run("apply", "--auto-approve", "--max-cancel", "5")
    assert result.exit_code == 0, result.output
    assert calls(project, writes_only=True) == [ADMIN, ADMIN]
    assert status(project, "TESTA1")["adminAction"] == "LockTradingImmediately"
    assert status(project, "TESTA1")["adminActionReason"] == "under review"
    assert status(project, "TESTB2")["adminAction"] == "LiquidateOnlyModeImmediately"
    assert is_converged(project)
    undeclare(project, "TESTA1", 'trading: locked, reason: "under review"')
    declare(project, "TESTA1", "trading: normal")
    assert "restricted" not in project.run("plan", "--format", "markdown").output
    applied(project)
    assert status(project, "TESTA1")["adminAction"] == "Normal"
    assert is_converged(project)


def test_a_lock_counts_against_max_cancel(project: Project) -> None:
    applied(project)
    declare(project, "TESTA1", "trading: locked")
    declare(project, "TESTC4", "trading: locked")
    refused = project.run("apply", "--auto-approve", "--max-cancel", "1")
    assert refused.exit_code == 1
    assert "cancels or restricts trading of 2 traders (alice, carol)" in refused.output
    assert ADMIN not in calls(project)
    assert project.run("apply", "--auto-approve", "--max-cancel", "2").exit_code == 0


def test_trading_changed_on_the_platform_is_drift_and_planned_back(project: Project) -> None:
    declare(project, "TESTA1", "trading: normal")
    applied(project)
    project.admin("accounts/TESTA1/update", {"adminAction": "LockTradingImmediately"})
    drift = project.run("drift", "--detailed-exitcode")
    assert drift.exit_code == 2, drift.output
    assert "locked" in drift.output
    plan = project.run("plan")
    assert "~ tradovate_account.alice/TESTA1 (update)" in plan.output
    applied(project)
    assert status(project, "TESTA1")["adminAction"] == "Normal"
    assert is_converged(project)


def test_a_lock_whose_answer_was_lost_is_resolved_by_reading_it_back(project: Project) -> None:
    applied(project)
    declare(project, "TESTA1", "trading: locked")
    project.admin(
        "faults",
        {"method": "POST", "path": "/demo/v1/accountriskstatus/setadminautoliqaction",
         "effect": "reset", "after_processing": True, "times": 10},
    )  # fmt: skip
    assert project.run("apply", "--auto-approve").exit_code == 1  # retried, then given up
    project.admin("faults/clear")
    assert status(project, "TESTA1")["adminAction"] == "LockTradingImmediately"
    project.clear_requests()
    applied(project)
    assert ADMIN not in calls(project)  # the refresh saw the lock: state catches up
    assert is_converged(project)


def test_a_switch_whose_answer_was_lost_is_resolved_by_reading_it_back(
    project: Project,
) -> None:
    applied(project)
    declare(project, "TESTA1", "risk_category: FUNDED")
    project.admin(
        "faults",
        {"method": "POST", "path": "/demo/v1/accountriskstatus/switchriskcategory",
         "effect": "reset", "after_processing": True, "times": 10},
    )  # fmt: skip
    assert project.run("apply", "--auto-approve").exit_code == 1  # retried, then given up
    project.admin("faults/clear")
    project.clear_requests()
    applied(project)
    assert SWITCH not in calls(project)
    assert category(project, "TESTA1") == 14
    assert is_converged(project)


def test_reason_without_trading_is_a_manifest_error(project: Project) -> None:
    declare(project, "TESTA1", 'reason: "why"')
    result = project.run("validate")
    assert result.exit_code == 1
    assert "reason is only meaningful with trading" in result.output


def test_a_reset_of_a_protected_account_is_refused(project: Project) -> None:
    declare(project, "TESTA1", 'reset: "1", lifecycle: {protect: true}')
    applied(project)
    undeclare(project, "TESTA1", 'reset: "1", lifecycle: {protect: true}')
    declare(project, "TESTA1", 'reset: "2", lifecycle: {protect: true}')
    refused = project.run("apply", "--auto-approve")
    assert refused.exit_code == 1
    assert "the plan would cancel, replace or reset 1 protected resource(s)" in refused.output
    assert RESET not in calls(project)
    assert status(project, "TESTA1").get("resets") is None
