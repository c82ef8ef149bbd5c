"""A plan that tells the whole truth: signatures never lost, refusals foreseen, identities never
confused, counts that add up (through the CLI against the sandboxes)."""

from __future__ import annotations

import json
import time

from reconciler.apply.events import Event
from reconciler.apply.executor import ApplyResult
from reconciler.plan import Address
from reconciler.render.text import change_text, summary_line
from reconciler.workspace import open_workspace
from tests.project import Project, calls


def applied(project: Project) -> Project:
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    project.clear_requests()
    return project


def state(project: Project) -> dict[str, dict[str, object]]:
    return dict(json.loads(project.state_file.read_text())["resources"])


WEEK = 7 * 86400.0


def later(project: Project, seconds: float) -> tuple[str, ApplyResult | None]:
    """Plan (and apply when it has changes) as the CLI does, on a clock `seconds` ahead: the
    plan's text and the apply's result."""
    with (
        open_workspace(project.manifests, clock=lambda: time.time() + seconds) as workspace,
        workspace.store.lock(command="apply"),
    ):
        document = workspace.store.read()
        plan, remote = workspace.plan(document)
        text = "\n".join(change_text(c) for c in plan.changes) + "\n" + summary_line(plan)
        if not plan.has_changes:
            return text, None
        events: list[Event] = []
        return text, workspace.apply(plan, remote, document, sink=events.append)


def test_a_signature_whose_signal_was_archived_is_found_by_the_next_apply(
    project: Project,
) -> None:
    applied(project).admin("users/alice.smith/sign-mda")
    project.admin("signals/archive")
    planned = project.run("plan").output  # the same week: the signal cannot be archived yet
    assert "will check" not in planned
    text, result = later(project, WEEK)
    assert "tradovate_entitlement.alice/t-prop (wait)" in text
    assert "will check: signal may have been archived" in text
    assert result is not None
    assert result.is_complete
    assert result.succeeded == (Address.parse("tradovate_entitlement.alice/t-prop"),)
    assert "POST live /v1/userplugin/addentitlementsubscription" in calls(project)
    assert "tradovate_entitlement.alice/t-prop" in state(project)
    assert "No changes." in later(project, WEEK)[0]


def test_an_unsigned_trader_is_checked_once_a_week_and_keeps_waiting(project: Project) -> None:
    applied(project)
    assert "No changes." in project.run("plan").output  # apply then plan: nothing to do
    text, result = later(project, WEEK)
    assert "will check" in text
    assert result is not None
    assert result.waiting == (Address.parse("tradovate_entitlement.alice/t-prop"),)
    assert not result.failed
    assert calls(project, writes_only=True) == [
        "POST live /v1/userplugin/addentitlementsubscription"
    ]
    assert "tradovate_entitlement.alice/t-prop" not in state(project)
    project.clear_requests()
    text, result = later(project, WEEK)
    assert "waiting for the Market Data Agreement signature" in text
    assert "will check" not in text  # checked this week already: no second request
    assert result is None
    assert calls(project, writes_only=True) == []
    assert "will check" in later(project, 2 * WEEK)[0]  # a week on: checked once more


def _edit(project: Project, relative: str, old: str, new: str) -> None:
    text = (project.manifests / relative).read_text()
    assert old in text
    project.write(relative, text.replace(old, new))


def test_an_mda_alert_id_the_platform_does_not_have_is_a_plan_error(project: Project) -> None:
    _edit(project, "firm.yaml", "    entitlements:", "    mda_alert_id: 999\n    entitlements:")
    result = project.run("plan")
    assert result.exit_code == 1
    assert "mda_alert_id 999 matches no admin alert on the platform" in result.output
    assert "Traceback" not in result.output


def test_entitlement_is_requested_only_after_the_contact_info_lands(project: Project) -> None:
    applied(project).admin("users/alice.smith/sign-mda")
    _edit(project, "traders/alice.yaml", "city: Chicago", "city: Evanston")
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    writes = calls(project, writes_only=True)
    contact = writes.index("POST live /v1/contactinfo/updatecontactinfo")
    assert contact < writes.index("POST live /v1/userplugin/addentitlementsubscription")


def test_a_template_account_the_platform_lacks_is_a_plan_error(project: Project) -> None:
    _edit(project, "firm.yaml", "template_account: TEMPLATE50K", "template_account: NOSUCH50K")
    for command in (("plan",), ("apply", "--auto-approve")):
        result = project.run(*command)
        assert result.exit_code == 1
        assert "tradovate_account.alice/TESTA1: tradovate template account 'NOSUCH50K'" in (
            result.output
        )
    assert calls(project, writes_only=True) == []  # no user created before the refusal


def _forget_bob(project: Project) -> None:
    """bob's platform objects stay, but are no longer the firm's (out of the manifests and
    of state): a foreign user holding user name bob.jones and e-mail bob@example.com."""
    text = (project.manifests / "traders/team.yaml").read_text()
    project.write("traders/team.yaml", text[text.index("- name: carol") :])
    bob = [a for a in state(project) if a.split(".", 1)[1].split("/")[0] == "bob"]
    result = project.run("state", "rm", *bob)
    assert result.exit_code == 0, result.output


def test_an_email_held_by_another_platform_user_is_a_plan_error(project: Project) -> None:
    _forget_bob(applied(project))
    assert "No changes." in project.run("plan").output
    _edit(project, "traders/alice.yaml", "email: alice@example.com", "email: bob@example.com")
    result = project.run("plan")
    assert result.exit_code == 1
    held = (
        "tradovate_user.alice: e-mail bob@example.com is already held by Tradovate user bob.jones"
    )
    assert held in result.output
    _edit(project, "traders/alice.yaml", "email: bob@example.com", "email: alice@example.com")
    project.write(
        "traders/dave.yaml",
        """\
        kind: Trader
        name: dave
        username: dave.brown
        email: Bob@example.com
        first_name: Dave
        last_name: Brown
        password: {generate: true}
        tradovate: {accounts: []}
        """,
    )
    result = project.run("plan")
    assert result.exit_code == 1
    assert "tradovate_user.dave: e-mail Bob@example.com is already held" in result.output


def test_a_changed_username_is_refused_at_its_file_and_line(project: Project) -> None:
    applied(project)
    _edit(project, "traders/alice.yaml", "username: alice.smith", "username: alice.s")
    for command in (("plan",), ("apply", "--auto-approve")):
        result = project.run(*command)
        assert result.exit_code == 1
        assert "alice.yaml:1: tradovate_user.alice: username cannot change " in result.output
        assert "(alice.smith -> alice.s)" in result.output
        assert "not traded by this trader" not in result.output
    assert calls(project, writes_only=True) == []


def test_a_saved_plan_counts_its_no_ops_once(project: Project) -> None:
    applied(project)
    _edit(project, "traders/alice.yaml", "city: Chicago", "city: Evanston")
    fresh = json.loads(project.run("plan", "--format", "json").output)
    out = project.root / "plan.json"
    assert project.run("plan", "--out", str(out)).exit_code == 0
    saved = json.loads(out.read_text())
    shown = json.loads(project.run("show", str(out), "--format", "json").output)
    assert fresh["summary"]["no-op"] > 0
    assert saved["summary"] == fresh["summary"]
    assert shown["summary"] == fresh["summary"]


def test_a_country_code_iso_3166_does_not_assign_fails_validation(project: Project) -> None:
    _edit(project, "traders/alice.yaml", "country: US}", "country: ZZ}")
    result = project.run("validate")
    assert result.exit_code == 1
    assert "alice.yaml" in result.output
    assert "country must be an ISO 3166-1 alpha-2 country code such as US" in result.output


def test_a_cancel_for_status_cancelled_says_so(project: Project) -> None:
    applied(project)
    _edit(
        project,
        "traders/team.yaml",
        "  username: carol.white\n",
        "  username: carol.white\n  status: cancelled\n",
    )
    planned = project.run("plan").output
    assert "- tradovate_user.carol (cancel)" in planned
    assert "# status: cancelled" in planned
    assert "no longer declared" not in planned


def test_a_problem_of_one_trader_does_not_block_a_targeted_plan_of_another(
    project: Project,
) -> None:
    applied(project)
    _edit(project, "traders/alice.yaml", "username: alice.smith", "username: alice.s")
    _edit(project, "traders/team.yaml", "city: London", "city: Leeds")
    result = project.run("plan", "--target", "bob")
    assert result.exit_code == 0, result.output
    assert "~ tradovate_contact.bob (update)" in result.output
    assert project.run("plan", "--target", "alice").exit_code == 1


def test_pre_trade_risk_changed_on_the_platform_is_seen_by_drift_and_plan(
    project: Project,
) -> None:
    rule = {"active": True, "totalBy": "Overall", "shortLimit": 3, "longLimit": 3}
    applied(project).admin("accounts/TESTA1/pre-trade-risk", {"preTradeRisk": [rule]})
    drift = project.run("drift", "--detailed-exitcode")
    assert drift.exit_code == 2, drift.output
    assert "tradovate_account.alice/TESTA1" in drift.output
    assert "pre_trade_risk" in drift.output
    planned = project.run("plan").output
    assert "-/+ tradovate_account.alice/TESTA1" in planned
    assert project.run("apply", "--auto-approve").exit_code == 0
    assert "No changes." in project.run("plan").output


def test_an_adopted_account_whose_risk_differs_is_replaced_not_recorded_as_declared(
    project: Project,
) -> None:
    applied(project)
    assert project.run("state", "rm", "tradovate_account.alice/TESTA1").exit_code == 0
    rule = {"active": True, "totalBy": "Overall", "shortLimit": 1, "longLimit": 1}
    project.admin("accounts/TESTA1/pre-trade-risk", {"preTradeRisk": [rule]})
    planned = project.run("plan", "--adopt").output
    assert "-/+ tradovate_account.alice/TESTA1 (replace)" in planned
    assert "adopt existing remote object" in planned
    assert "pre_trade_risk cannot change in place" in planned
    assert "tradovate_account.alice/TESTA1: adopted; the platform does not show " in planned
    result = project.run("apply", "--auto-approve", "--adopt")
    assert result.exit_code == 0, result.output
    assert "No changes." in project.run("plan").output
