"""Stage 4 (account management) on the cohort's users, and the cleanup every run ends with."""

from __future__ import annotations

from typing import Any

from reconciler.conformance.caller import expect
from reconciler.conformance.context import RunContext

CREATE = "/user/createevaluationaccounts"
DAILY_LOSS = 1000.0


def template_id(ctx: RunContext) -> int:
    """The first account template the Firm manifest declares, resolved like apply does."""
    templates = ctx.settings.account_templates
    expect(templates, "the Firm manifest declares no account template")
    template = next(iter(templates.values()))
    if template.template_account_id is not None:
        return template.template_account_id
    found = ctx.caller.get("demo", "/account/find", name=str(template.template_account))
    expect(found.status == 200 and isinstance(found.payload, dict), "template not found")
    return int(found.payload["id"])


def _account(ctx: RunContext, n: int, user: int, template: int) -> dict[str, Any]:
    return {
        "userId": ctx.cohort.user_ids[ctx.cohort.username(user)],
        "templateAccountId": template,
        "name": ctx.cohort.account(n),
        "initialBalance": 50000,
        "postTradeRisk": {"dailyLossAutoLiq": DAILY_LOSS},
    }


def _create(ctx: RunContext, accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    answer = ctx.caller.post("demo", CREATE, {"accounts": accounts})
    results = answer.payload.get("results") if isinstance(answer.payload, dict) else None
    expect(isinstance(results, list), f"HTTP {answer.status} {answer.error_text!r}")
    assert isinstance(results, list)
    for account, result in zip(accounts, results, strict=False):
        if result.get("accountId"):
            ctx.cohort.account_ids[account["name"]] = int(result["accountId"])
            ctx.cohort.permission_ids[account["name"]] = int(result["tradingPermissionId"])
    return results


def stage_4(ctx: RunContext) -> None:
    check, caller, cohort = ctx.evidence.check, ctx.caller, ctx.cohort
    ids: list[int] = []

    def single() -> str:
        (result,) = _create(ctx, [_account(ctx, 1, 1, template_id(ctx))])
        expect(result.get("accountId") and result.get("tradingPermissionId"), f"{result}")
        ids.append(int(result["accountId"]))
        return f"account {result['accountId']}, permission {result['tradingPermissionId']}"

    def batch() -> str:
        template = template_id(ctx)
        results = _create(ctx, [_account(ctx, 2, 2, template), _account(ctx, 3, 3, template)])
        made = [int(r["accountId"]) for r in results if r.get("accountId")]
        expect(len(made) == 2, f"{len(made)} of 2 accounts created: {results}")
        ids.extend(made)
        return f"2 accounts in one call: {made}"

    def invalid_name() -> str:
        bad = {**_account(ctx, 9, 1, template_id(ctx)), "name": "abc_123"}
        answer = caller.post("demo", CREATE, {"accounts": [bad]})
        expect(answer.status == 400, f"answered {answer.status}")
        payload = answer.payload if isinstance(answer.payload, dict) else {}
        violations = payload.get("violations") or []
        expect(violations, "no violations in the answer")
        return str(violations[0].get("description"))

    def risk() -> str:
        expect(ids, "no account was created")
        liqs = {a["id"]: a for a in caller.get("demo", "/userAccountAutoLiq/list").payload}
        expect(liqs.get(ids[0], {}).get("dailyLossAutoLiq") == DAILY_LOSS, "not set at creation")
        update = {"items": [{"accountId": ids[0], "dailyLossAutoLiq": DAILY_LOSS / 2}]}
        answer = caller.post("demo", "/userAccountAutoLiq/updateuserautoliqs", update)
        expect(answer.status == 200 and not answer.error_text, f"{answer.error_text}")
        liqs = {a["id"]: a for a in caller.get("demo", "/userAccountAutoLiq/list").payload}
        expect(liqs[ids[0]].get("dailyLossAutoLiq") == DAILY_LOSS / 2, "update not read back")
        return f"dailyLossAutoLiq {DAILY_LOSS:g} at creation, {DAILY_LOSS / 2:g} after update"

    def resets() -> str:
        expect(ids, "no account was created")
        date = {"year": 2026, "month": 1, "day": 2}
        answer = caller.post(
            "demo", "/account/resetdemoaccountstate", {"accountIds": ids, "resetTradeDate": date}
        )
        expect(answer.status == 200 and answer.payload.get("ok") is True, f"{answer.payload}")
        empty = caller.post(
            "demo", "/account/resetdemoaccountstate", {"accountIds": [], "resetTradeDate": date}
        )
        expect(empty.payload.get("ok") is False and empty.error_text, "empty ids accepted")
        return f"{len(ids)} accounts reset in one call; empty: {empty.error_text!r}"

    def categories() -> str:
        expect(ids, "no account was created")
        account = caller.get("demo", "/account/item", id=str(ids[0])).payload
        listed = caller.get("demo", "/riskCategory/list").payload or []
        other = next((c for c in listed if c["id"] != account["riskCategoryId"]), None)
        expect(other, "no other risk category to switch to")
        assert other is not None
        body = {"accountIds": ids, "riskCategoryId": other["id"]}
        answer = caller.post("demo", "/accountRiskStatus/switchriskcategory", body)
        expect(answer.status == 200 and not answer.error_text, f"{answer.payload}")
        after = caller.get("demo", "/account/item", id=str(ids[0])).payload
        expect(after["riskCategoryId"] == other["id"], "the switch is not read back")
        return f"{len(ids)} accounts moved to {other['name']} in one call"

    def locks() -> str:
        expect(ids, "no account was created")
        path = "/accountRiskStatus/setadminautoliqaction"
        lock = {
            "accountId": ids[0],
            "adminAction": "LockTradingImmediately",
            "adminActionReasonCode": "Other",
            "adminActionReason": "conformance run",
        }
        answer = caller.post("demo", path, lock)
        expect(answer.status == 200 and not answer.error_text, f"{answer.payload}")
        expect(_action(ctx, ids[0]) == "LockTradingImmediately", "the lock is not read back")
        answer = caller.post("demo", path, {"accountId": ids[0], "adminAction": "Normal"})
        expect(answer.status == 200 and not answer.error_text, f"{answer.payload}")
        expect(_action(ctx, ids[0]) == "Normal", "Normal is not read back")
        return "locked, read back, set back to Normal"

    def revoke() -> str:
        name = cohort.account(3)
        expect(name in cohort.permission_ids, "no account to revoke")
        permission = cohort.permission_ids[name]
        answer = caller.post(
            "demo", "/user/revoketradingpermissions", {"tradingPermissionIds": [permission]}
        )
        expect(answer.status == 200 and answer.payload.get("ok") is True, f"{answer.payload}")
        found = caller.get("demo", "/tradingPermission/item", id=str(permission)).payload
        expect(found.get("status") == "Revoked", f"status {found.get('status')}")
        return f"permission {permission} Revoked"

    for line, run in (
        ("4.1", single), ("4.2", batch), ("4.3", invalid_name), ("4.4", risk),
        ("4.5", resets), ("4.6", categories), ("4.7", locks), ("4.8", revoke),
    ):  # fmt: skip
        check(line, run)


def _action(ctx: RunContext, account_id: int) -> str | None:
    statuses = ctx.caller.get("demo", "/accountRiskStatus/list").payload or []
    return next((s.get("adminAction") for s in statuses if s.get("id") == account_id), None)


def clean_up(ctx: RunContext) -> None:
    """Line C.1: cancel everything of every cohort user on LIVE and DEMO, then check that no
    cohort account keeps an active permission. Runs whatever happened before."""

    def cleanup() -> str:
        users = sorted(ctx.cohort.user_ids.values())
        if not users:
            return "nothing was created"
        flags = {"tradovateSubscriptions": True, "userPlugins": True,
                 "marketDataSubscriptions": True, "tradingPermissions": True}  # fmt: skip
        for domain in ("live", "demo"):
            answer = ctx.caller.post(domain, "/user/canceleverything", {"userIds": users, **flags})
            expect(answer.status == 200 and not answer.error_text,
                   f"{domain}: {answer.status} {answer.error_text!r}")  # fmt: skip
        active = [
            p for p in ctx.caller.get("demo", "/tradingPermission/list").payload or []
            if p.get("userId") in users and p.get("status") != "Revoked"
        ]  # fmt: skip
        expect(not active, f"{len(active)} cohort permission(s) still active")
        return f"{len(users)} user(s) cancelled on LIVE and DEMO; no active permission left"

    ctx.evidence.check("C.1", cleanup)
