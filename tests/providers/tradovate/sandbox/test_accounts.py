"""Sandbox evaluation accounts over HTTP: creation, post-trade risk, revocation, cancellation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.providers.tradovate.sandbox.test_app import Driver, account, running

NAME_RULE = "Account name should follow the next regexp: ([A-Z])+\\d+"


@pytest.fixture
def tv() -> Iterator[Driver]:
    with running() as driver:
        yield driver


@pytest.fixture
def trader(tv: Driver) -> int:
    return tv.create_user("trader")


@pytest.mark.parametrize(
    "bad",
    ["abc123", "ABC_123", "A1B2C3", "ABC", "ABC123\n", "A" * 60 + "12345"],
    ids=["lower", "underscore", "mixed", "no-digits", "newline", "65-chars"],
)
def test_a_bad_name_fails_the_whole_call_with_violations(tv: Driver, trader: int, bad: str) -> None:
    response = tv.call(
        "POST",
        "demo",
        "/user/createevaluationaccounts",
        json={"accounts": [account(trader, "GOOD1"), account(trader, bad)]},
    )
    assert response.status_code == 400
    assert response.json() == {
        "violations": [{"constraint": "name", "value": bad, "description": NAME_RULE}]
    }
    assert tv.call("GET", "demo", "/account/find?name=GOOD1").status_code == 404


def test_every_bad_name_gets_its_violation(tv: Driver, trader: int) -> None:
    response = tv.call(
        "POST",
        "demo",
        "/user/createevaluationaccounts",
        json={"accounts": [account(trader, "bad1"), account(trader, "bad2")]},
    )
    assert [v["value"] for v in response.json()["violations"]] == ["bad1", "bad2"]


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"userId": 4242}, "User not found"),
        ({"templateAccountId": 4242}, "Template account not found"),
        ({"name": "TAKEN1"}, "Account name already exists"),
        ({"initialBalance": 0}, "Initial balance should be greater than 0"),
        ({"initialBalance": -5}, "Initial balance should be greater than 0"),
        ({"initialBalance": None}, "Initial balance should be greater than 0"),
    ],
    ids=["user", "template", "name-taken", "zero-balance", "negative-balance", "no-balance"],
)
def test_a_bad_account_fails_alone(
    tv: Driver, trader: int, fields: dict[str, Any], text: str
) -> None:
    tv.create_accounts(account(trader, "TAKEN1"))
    results = tv.create_accounts(account(trader, "BAD1", **fields), account(trader, "FINE1"))
    assert results[0] == {"errorText": text}
    assert set(results[1]) == {"accountId", "tradingPermissionId"}


def test_a_name_repeated_in_one_batch_fails_the_second_time(tv: Driver, trader: int) -> None:
    results = tv.create_accounts(account(trader, "TWIN1"), account(trader, "TWIN1"))
    assert "accountId" in results[0]
    assert results[1] == {"errorText": "Account name already exists"}


@pytest.mark.parametrize(
    ("count", "text"),
    [(0, "Empty accounts"), (101, "Only 100 accounts are allowed in single operation")],
    ids=["empty", "101"],
)
def test_whole_call_limits(tv: Driver, trader: int, count: int, text: str) -> None:
    accounts = [account(trader, f"BULK{i}") for i in range(count)]
    answer = tv.demo("POST", "/user/createevaluationaccounts", {"accounts": accounts})
    assert answer == {"errorText": text, "results": []}


def test_creation_makes_account_permission_and_autoliq(tv: Driver, trader: int) -> None:
    (result,) = tv.create_accounts(
        account(
            trader,
            "ACMEFIFTY1",
            initialBalance=50000.5,
            postTradeRisk={"dailyLossAutoLiq": 1100, "trailingMaxDrawdown": 2500},
            preTradeRisk=[{"active": True, "totalBy": "Overall", "parameters": []}],
        )
    )
    account_id, permission_id = result["accountId"], result["tradingPermissionId"]
    assert tv.demo("GET", "/account/find?name=acmefifty1") == {
        "id": account_id,
        "name": "ACMEFIFTY1",
        "userId": 1,
        "accountType": "Customer",
        "restricted": False,
        "closed": False,
        "clearingHouseId": 1,
        "riskCategoryId": 12,
        "autoLiqProfileId": 22,
        "marginAccountType": "Speculator",
        "legalStatus": "Individual",
        "timestamp": "2026-01-07T12:00:00.000Z",
        "evaluationSize": 50000.5,
        "readonly": False,
    }
    assert tv.demo("GET", f"/tradingPermission/item?id={permission_id}") == {
        "id": permission_id,
        "userId": trader,
        "accountId": account_id,
        "accountHolderContact": "Test Trader",
        "accountHolderEmail": "trader@example.com",
        "ctaContact": "",
        "ctaEmail": "",
        "status": "Accepted",
        "updated": "2026-01-07T12:00:00.000Z",
    }
    (autoliq,) = tv.demo("GET", f"/userAccountAutoLiq/deps?masterid={account_id}")
    assert autoliq["id"] == account_id
    assert (autoliq["dailyLossAutoLiq"], autoliq["trailingMaxDrawdown"]) == (1100, 2500)
    assert autoliq["weeklyLossAutoLiq"] is None
    assert autoliq["changesLocked"] is None


def test_templates_are_listed_accounts(tv: Driver) -> None:
    names = {a["name"]: a for a in tv.demo("GET", "/account/list")}
    assert {"TEMPLATE25K", "TEMPLATE50K", "TEMPLATE100K"} <= set(names)
    assert names["TEMPLATE100K"]["id"] == 1003


def test_autoliq_update_replaces_all_post_trade_fields(tv: Driver, trader: int) -> None:
    (result,) = tv.create_accounts(
        account(trader, "RISK1", postTradeRisk={"dailyLossAutoLiq": 1100})
    )
    account_id = result["accountId"]
    answer = tv.demo(
        "POST",
        "/userAccountAutoLiq/updateuserautoliqs",
        {"items": [{"accountId": account_id, "weeklyLossAutoLiq": 3000}]},
    )
    (entry,) = answer["userAutoLiqs"]
    assert entry["userAccountAutoLiq"]["weeklyLossAutoLiq"] == 3000
    stored = tv.demo("GET", f"/userAccountAutoLiq/item?id={account_id}")
    assert stored == entry["userAccountAutoLiq"]
    assert stored["dailyLossAutoLiq"] is None


@pytest.mark.parametrize(
    ("target", "text"),
    [("unknown", "Account not found"), ("locked", "Changes are locked for this account")],
    ids=["unknown-account", "changes-locked"],
)
def test_autoliq_update_applies_nothing_when_one_item_fails(
    tv: Driver, trader: int, target: str, text: str
) -> None:
    results = tv.create_accounts(
        account(trader, "OPEN1"), account(trader, "LOCK1", postTradeRisk={"changesLocked": True})
    )
    open_id, locked_id = (r["accountId"] for r in results)
    bad_id = locked_id if target == "locked" else 4242
    items = [{"accountId": open_id, "dailyLossAutoLiq": 1}, {"accountId": bad_id}]
    answer = tv.demo("POST", "/userAccountAutoLiq/updateuserautoliqs", {"items": items})
    assert answer == {"errorText": text}
    assert tv.demo("GET", f"/userAccountAutoLiq/item?id={open_id}")["dailyLossAutoLiq"] is None


def test_revoking_closes_the_account_and_frees_its_name(tv: Driver, trader: int) -> None:
    (first,) = tv.create_accounts(account(trader, "REUSE1"))
    answer = tv.demo(
        "POST",
        "/user/revoketradingpermissions",
        {"tradingPermissionIds": [first["tradingPermissionId"]]},
    )
    assert answer == {"ok": True}
    permission = tv.demo("GET", f"/tradingPermission/item?id={first['tradingPermissionId']}")
    assert permission["status"] == "Revoked"
    assert tv.demo("GET", f"/account/item?id={first['accountId']}")["closed"] is True
    assert tv.call("GET", "demo", "/account/find?name=REUSE1").status_code == 404
    (second,) = tv.create_accounts(account(trader, "REUSE1"))
    assert tv.demo("GET", "/account/find?name=REUSE1")["id"] == second["accountId"]
    assert [p["status"] for p in tv.demo("GET", f"/tradingPermission/deps?masterid={trader}")] == [
        "Revoked",
        "Accepted",
    ]


def test_revoking_again_is_ok(tv: Driver, trader: int) -> None:
    (created,) = tv.create_accounts(account(trader, "TWICE1"))
    body = {"tradingPermissionIds": [created["tradingPermissionId"]]}
    assert tv.demo("POST", "/user/revoketradingpermissions", body) == {"ok": True}
    assert tv.demo("POST", "/user/revoketradingpermissions", body) == {"ok": True}


def test_revoking_an_unknown_permission_revokes_nothing(tv: Driver, trader: int) -> None:
    (created,) = tv.create_accounts(account(trader, "KEPT1"))
    answer = tv.demo(
        "POST",
        "/user/revoketradingpermissions",
        {"tradingPermissionIds": [created["tradingPermissionId"], 4242]},
    )
    assert answer == {"ok": False, "errorText": "Trading permission not found"}
    assert tv.demo("GET", "/account/find?name=KEPT1")["closed"] is False


def _offboarded_trader(tv: Driver) -> int:
    user_id = tv.create_user("leaver", tradovateSubscriptionPlanId=501, entitlementIds=[301])
    tv.admin("POST", "/users/leaver/sign-mda")
    tv.live(
        "POST",
        "/userPlugin/addentitlementsubscription",
        {"entitlementId": 12345, "userId": user_id},
    )
    tv.create_accounts(account(user_id, "LEAVE1"), account(user_id, "LEAVE2"))
    return user_id


ALL_FLAGS = {
    "tradovateSubscriptions": True,
    "userPlugins": True,
    "marketDataSubscriptions": True,
    "tradingPermissions": True,
}


def test_cancel_everything_on_live_cancels_subscriptions_plugins_and_market_data(
    tv: Driver,
) -> None:
    user_id = _offboarded_trader(tv)
    answer = tv.live("POST", "/user/canceleverything", {"userIds": [user_id, 4242], **ALL_FLAGS})
    counts = {key: len(ids) for key, ids in answer.items()}
    assert counts == {
        "tradovateSubscriptionIds": 1,
        "userPluginIds": 2,
        "marketDataSubscriptionIds": 1,
        "tradingPermissionIds": 0,
    }
    plugins = tv.live("GET", f"/userPlugin/deps?masterid={user_id}")
    assert {p["approval"] for p in plugins} == {False}
    assert tv.live("GET", f"/tradovateSubscription/deps?masterid={user_id}")[0]["cancelledRenewal"]
    assert tv.live("GET", f"/user/item?id={user_id}")["status"] == "Active"
    repeat = tv.live("POST", "/user/canceleverything", {"userIds": [user_id], **ALL_FLAGS})
    assert repeat == {key: [] for key in answer}


def test_cancel_everything_on_demo_revokes_permissions_and_closes_accounts(tv: Driver) -> None:
    user_id = _offboarded_trader(tv)
    answer = tv.demo("POST", "/user/canceleverything", {"userIds": [user_id], **ALL_FLAGS})
    assert len(answer["tradingPermissionIds"]) == 2
    assert answer["tradovateSubscriptionIds"] == answer["userPluginIds"] == []
    assert {
        a["closed"] for a in tv.demo("GET", "/account/list") if a["name"].startswith("LEAVE")
    } == {True}
    repeat = tv.demo("POST", "/user/canceleverything", {"userIds": [user_id], **ALL_FLAGS})
    assert repeat["tradingPermissionIds"] == []


def test_cancel_everything_flags_default_to_false(tv: Driver) -> None:
    user_id = _offboarded_trader(tv)
    for domain in ("live", "demo"):
        answer = tv.call("POST", domain, "/user/canceleverything", json={"userIds": [user_id]})
        assert answer.json() == {
            "tradovateSubscriptionIds": [],
            "userPluginIds": [],
            "marketDataSubscriptionIds": [],
            "tradingPermissionIds": [],
        }
