"""The Firm's LIVE `_DATA` account, sent as `accountId` with entitlement requests as the
conformance checklist shows them (through the CLI against the sandbox)."""

from __future__ import annotations

from typing import Any

from tests.project import Project, calls

ENTITLED = "tradovate_entitlement.alice/t-prop"


def _declare(project: Project, line: str) -> None:
    text = (project.manifests / "firm.yaml").read_text()
    project.write("firm.yaml", text.replace("    entitlements:", f"    {line}\n    entitlements:"))


def _plugins(project: Project) -> list[dict[str, Any]]:
    return [p for p in project.world()["userPlugins"] if p["pluginName"] == "T-Prop"]


def _entitle(project: Project) -> str:
    first = project.run("apply", "--auto-approve")
    assert first.exit_code == 0, first.output
    project.admin("users/alice.smith/sign-mda")
    second = project.run("apply", "--auto-approve")
    assert second.exit_code == 0, second.output
    return second.output


def test_a_data_account_declared_by_name_is_sent_and_recorded(project: Project) -> None:
    (data,) = [a for a in project.world()["liveAccounts"] if a["userId"] == 1]
    _declare(project, f"live_data_account: {data['name']}")
    assert ENTITLED in _entitle(project)
    (plugin,) = _plugins(project)
    assert plugin["accountId"] == data["id"]
    assert "No changes." in project.run("plan").output


def test_a_data_account_declared_by_id_is_sent(project: Project) -> None:
    (data,) = [a for a in project.world()["liveAccounts"] if a["userId"] == 1]
    _declare(project, f"live_data_account_id: {data['id']}")
    _entitle(project)
    assert [p["accountId"] for p in _plugins(project)] == [data["id"]]


def test_without_a_declared_data_account_none_is_sent(project: Project) -> None:
    _entitle(project)
    assert [p["accountId"] for p in _plugins(project)] == [None]


def test_an_unknown_data_account_name_is_a_plan_error(project: Project) -> None:
    _declare(project, "live_data_account: NOSUCH_DATA")
    for command in (("plan",), ("apply", "--auto-approve")):
        result = project.run(*command)
        assert result.exit_code == 1
        assert (
            "tradovate live data account 'NOSUCH_DATA' not found among the firm's LIVE "
            "accounts; fix providers.tradovate.live_data_account in the Firm"
        ) in result.output
        assert "Traceback" not in result.output
    assert calls(project, writes_only=True) == []  # nothing created before the refusal


def test_an_id_that_is_not_a_live_account_of_the_firm_is_a_plan_error(project: Project) -> None:
    others = [a for a in project.world()["liveAccounts"] if a["userId"] != 1]
    for wrong in (others[0]["id"], 1003):  # another firm's data account; a DEMO template
        _declare(project, f"live_data_account_id: {wrong}")
        result = project.run("plan")
        assert result.exit_code == 1
        assert f"tradovate live data account {wrong} not found" in result.output
        _undeclare(project)


def _undeclare(project: Project) -> None:
    lines = (project.manifests / "firm.yaml").read_text().splitlines(keepends=True)
    project.write("firm.yaml", "".join(x for x in lines if "live_data_account" not in x))


def test_declaring_both_name_and_id_is_refused_by_validate(project: Project) -> None:
    _declare(project, "live_data_account: SANDBOXPROP_DATA\n    live_data_account_id: 901")
    result = project.run("validate")
    assert result.exit_code == 1
    assert "give at most one of live_data_account or live_data_account_id" in result.output
