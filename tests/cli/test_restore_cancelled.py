"""A trader offboarded by cancel-everything and then declared again, through the CLI against the
sandbox: the plan shows what cancel-everything took, apply restores it, the next plan is clean."""

from __future__ import annotations

from collections import Counter

from reconciler.apply.pacing import planned_requests
from reconciler.plan import load_plan
from reconciler.providers import ALL, PROVIDERS
from tests.project import Project, calls

OFFBOARDED = "offboarded by an earlier apply of this workspace, declared again"


def _cancel_then_redeclare(project: Project) -> None:
    assert project.run("apply", "--auto-approve").exit_code == 0
    text = (project.manifests / "traders/team.yaml").read_text()
    status = "  username: carol.white\n  status: cancelled\n"
    project.write("traders/team.yaml", text.replace("  username: carol.white\n", status))
    assert project.run("apply", "--auto-approve").exit_code == 0
    project.write("traders/team.yaml", text)
    project.clear_requests()


def _carol(project: Project) -> int:
    (carol,) = [u["id"] for u in project.world()["users"] if u["name"] == "carol.white"]
    return int(carol)


def _held(project: Project) -> list[bool]:
    """Whether each subscription carol holds still renews."""
    carol = _carol(project)
    subscriptions = project.world()["tradovateSubscriptions"]
    return [not s["cancelledRenewal"] for s in subscriptions if s["userId"] == carol]


def test_redeclared_trader_gets_back_what_cancel_everything_took(project: Project) -> None:
    _cancel_then_redeclare(project)
    assert _held(project) == [False]
    planned = project.run("plan").output  # no --adopt: the user is the one we offboarded
    assert f"adopt existing remote object {_carol(project)} ({OFFBOARDED})" in planned
    assert '~ subscription_plan = null -> "SANDBOX_MONTHLY"' in planned
    assert "+ tradovate_account.carol/TESTC4 (create)" in planned
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    writes = calls(project, writes_only=True)
    assert "POST live /v1/user/addtradovatesubscription" in writes
    assert "POST demo /v1/user/createevaluationaccounts" in writes
    assert _held(project) == [False, True]
    assert "No changes." in project.run("plan").output


def test_redeclared_trader_gets_back_entitlement_and_market_data(
    project: Project,
) -> None:
    assert project.run("apply", "--auto-approve").exit_code == 0
    project.admin("users/alice.smith/sign-mda")
    assert project.run("apply", "--auto-approve").exit_code == 0
    text = (project.manifests / "traders/alice.yaml").read_text()
    project.remove("traders/alice.yaml")
    assert project.run("apply", "--auto-approve").exit_code == 0
    project.write("traders/alice.yaml", text)
    project.clear_requests()
    planned = project.run("plan").output
    assert "! tradovate_entitlement.alice/t-prop (entitle)" in planned
    assert '~ subscription_plan = null -> "SANDBOX_MONTHLY"' in planned
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    writes = calls(project, writes_only=True)
    assert "POST live /v1/userplugin/addentitlementsubscription" in writes
    assert "POST live /v1/user/addtradovatesubscription" in writes
    market_data = project.world()["marketDataSubscriptions"]
    assert [m["expired"] for m in market_data] == [True, False]
    assert "No changes." in project.run("plan").output


def _served_writes(project: Project) -> Counter[str]:
    """Write requests the sandbox served, by lower-case endpoint (as the plan counts them)."""
    paths = [c.split(" /v1/", 1)[1].lower() for c in calls(project, writes_only=True)]
    return Counter({**Counter(paths), ALL: len(paths)})


def test_the_plan_s_call_estimate_counts_the_restored_subscription(project: Project) -> None:
    """The saved plan's request estimate equals what its apply makes, endpoint by endpoint:
    an update that restores a subscription (and changes the e-mail) makes one call for each."""
    _cancel_then_redeclare(project)
    text = (project.manifests / "traders/team.yaml").read_text()
    project.write("traders/team.yaml", text.replace("carol@example.com", "carol@newmail.com"))
    saved = project.root / "plan.json"
    assert project.run("plan", "--out", str(saved)).exit_code == 0
    plan = load_plan(saved.read_bytes()).plan
    capabilities = {name: provider.capabilities for name, provider in PROVIDERS.items()}
    estimate = planned_requests(plan.changes, capabilities)["tradovate"]
    result = project.run("apply", str(saved))
    assert result.exit_code == 0, result.output
    served = _served_writes(project)
    assert served["user/addtradovatesubscription"] == 1
    assert served["user/modifyemailaddress"] == 1
    assert dict(estimate) == dict(served)  # nothing more listed, nothing less


def test_a_user_we_did_not_offboard_still_needs_adopt(project: Project) -> None:
    """Only what this workspace's own apply offboarded (its audit trail shows the cancel of
    that very id) is taken back by a plain plan; a user forgotten with `state rm` is not."""
    _cancel_then_redeclare(project)
    assert project.run("apply", "--auto-approve").exit_code == 0
    assert project.run("state", "rm", "tradovate_user.carol").exit_code == 0
    result = project.run("plan")
    assert result.exit_code == 1
    assert f"tradovate_user.carol ({_carol(project)})" in result.output
    assert "(use --adopt to take them over)" in result.output
