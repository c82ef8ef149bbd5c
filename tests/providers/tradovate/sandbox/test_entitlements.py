"""Sandbox entitlements and the Market Data Agreement over HTTP: the Sim+ gate, plugins, the
weekly MDA signals and their completion."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.providers.tradovate.sandbox.test_app import Driver, running

DAY = 86400.0


@pytest.fixture
def tv() -> Iterator[Driver]:
    with running() as driver:
        yield driver


def entitle(tv: Driver, user_id: int, entitlement_id: int = 12345) -> Any:
    body = {"entitlementId": entitlement_id, "userId": user_id}
    return tv.live("POST", "/userPlugin/addentitlementsubscription", body)


def signals(tv: Driver) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = tv.live("GET", "/adminAlertSignal/deps?masterid=70")
    return found


def test_sim_plus_needs_the_mda_then_succeeds_once(tv: Driver) -> None:
    user_id = tv.create_user("tprop")
    assert entitle(tv, user_id) == {
        "errorText": "Live account is required",
        "errorCode": "UnknownError",
    }
    assert tv.admin("POST", f"/users/{user_id}/sign-mda").status_code == 200
    answer = entitle(tv, user_id)
    assert answer["errorCode"] == "Success"
    plugin = answer["entitlementSubscription"]
    assert plugin == {
        "id": plugin["id"],
        "userId": user_id,
        "timestamp": "2026-01-07T12:00:00.000Z",
        "planPrice": 0,
        "accountId": None,
        "pluginName": "T-Prop",
        "approval": True,
        "entitlementId": 12345,
        "startDate": {"year": 2026, "month": 1, "day": 7},
        "expirationDate": None,
        "paidAmount": 0,
        "autorenewal": True,
    }
    assert entitle(tv, user_id) == {
        "errorText": "Entitlement already active",
        "errorCode": "ConflictWithExisting",
    }
    assert tv.live("GET", f"/userPlugin/deps?masterid={user_id}") == [plugin]


def test_a_sim_plus_entitlement_brings_top_of_book_market_data(tv: Driver) -> None:
    user_id = tv.create_user("marketdata")
    tv.admin("POST", "/users/marketdata/sign-mda")
    entitle(tv, user_id)
    (subscription,) = tv.live("GET", f"/marketDataSubscription/deps?masterid={user_id}")
    assert (subscription["expired"], subscription["year"], subscription["month"]) == (
        False,
        2026,
        1,
    )


@pytest.mark.parametrize(
    ("entitlement_id", "user_ref", "answer"),
    [
        (999, "self", {"errorText": "Entitlement not found", "errorCode": "UnknownError"}),
        (12345, 4242, {"errorText": "User not found", "errorCode": "UnknownError"}),
        (22, "self", {"errorText": "Entitlement is discontinued", "errorCode": "PlanDiscontinued"}),
    ],
    ids=["unknown-entitlement", "unknown-user", "discontinued"],
)
def test_entitlement_errors(
    tv: Driver, entitlement_id: int, user_ref: Any, answer: dict[str, str]
) -> None:
    user_id = tv.create_user("someone")
    assert entitle(tv, user_id if user_ref == "self" else user_ref, entitlement_id) == answer


def test_non_sim_plus_entitlements_need_no_mda(tv: Driver) -> None:
    user_id = tv.create_user("tvuser")
    assert entitle(tv, user_id, 301)["errorCode"] == "Success"


def test_a_cancelled_plugin_can_be_entitled_again(tv: Driver) -> None:
    user_id = tv.create_user("returner")
    entitle(tv, user_id, 301)
    tv.live("POST", "/user/canceleverything", {"userIds": [user_id], "userPlugins": True})
    assert entitle(tv, user_id, 301)["errorCode"] == "Success"


def test_change_plugin_permission_sets_approval(tv: Driver) -> None:
    user_id = tv.create_user("approver")
    entitle(tv, user_id, 301)
    body = {"userId": user_id, "pluginName": "TradingView", "approval": False}
    assert tv.live("POST", "/userPlugin/changepluginpermission", body) == {"ok": True}
    (plugin,) = tv.live("GET", f"/userPlugin/deps?masterid={user_id}")
    assert plugin["approval"] is False
    missing = {**body, "pluginName": "Nothing"}
    assert tv.live("POST", "/userPlugin/changepluginpermission", missing)["ok"] is False


def test_signing_raises_a_signal_with_the_documented_text(tv: Driver) -> None:
    user_id = tv.create_user("signer", firstName="Bill", lastName="Rando")
    signal = tv.admin("POST", "/users/signer/sign-mda").json()
    assert signals(tv) == [signal]
    assert signal == {
        "id": signal["id"],
        "timestamp": "2026-01-07T12:00:00.000Z",
        "adminAlertId": 70,
        "relatedToUserId": user_id,
        "text": "User signer signed non-professional market data form, <br />"
        "User name: Bill Rando <br />Date: 01/07/2026 <br />"
        "Timestamp: 2026-01-07 12:00:00 UTC <br />",
        "emailSent": False,
        "archived": False,
        "subjectId": user_id,
        "completed": None,
    }


def test_signals_are_listed_only_in_their_iso_week(tv: Driver) -> None:
    tv.create_user("early")
    tv.create_user("later")
    tv.admin("POST", "/users/early/sign-mda")
    tv.clock.advance(4 * DAY)  # Sunday noon: still the same ISO week
    tv.log_in_again()
    assert len(signals(tv)) == 1
    tv.clock.advance(DAY)  # Monday: a new week
    tv.log_in_again()
    assert signals(tv) == []
    tv.admin("POST", "/users/later/sign-mda")
    assert [s["text"].split()[1] for s in signals(tv)] == ["later"]


def test_archived_signals_are_not_listed(tv: Driver) -> None:
    tv.create_user("archived")
    tv.admin("POST", "/users/archived/sign-mda")
    assert tv.admin("POST", "/signals/archive").json() == {"archived": 1}
    assert signals(tv) == []


def test_the_admin_alert_is_listed(tv: Driver) -> None:
    (alert,) = tv.live("GET", "/adminAlert/list")
    assert (alert["id"], alert["name"]) == (70, "custapp:nonpro-signed")


@pytest.mark.parametrize("form", ["spec", "guide"], ids=["adminAlertSignalId", "alertId+userId"])
def test_completing_a_signal_is_idempotent(tv: Driver, form: str) -> None:
    user_id = tv.create_user("completer")
    signal_id = tv.admin("POST", "/users/completer/sign-mda").json()["id"]
    body = (
        {"adminAlertSignalId": signal_id}
        if form == "spec"
        else {"alertId": signal_id, "userId": user_id}
    )
    first = tv.live("POST", "/adminAlertSignal/completealertsignal", body)["adminAlertSignal"]
    assert first["completed"] == "2026-01-07T12:00:00.000Z"
    tv.clock.advance(60)
    again = tv.live("POST", "/adminAlertSignal/completealertsignal", body)["adminAlertSignal"]
    assert again == first
    assert signals(tv) == [first]


@pytest.mark.parametrize(
    "body",
    [{"adminAlertSignalId": 4242}, {"alertId": "self", "userId": 4242}, {}],
    ids=["unknown-id", "other-user", "empty"],
)
def test_completing_an_unknown_signal_fails(tv: Driver, body: dict[str, Any]) -> None:
    tv.create_user("lonely")
    signal_id = tv.admin("POST", "/users/lonely/sign-mda").json()["id"]
    sent = {k: signal_id if v == "self" else v for k, v in body.items()}
    answer = tv.live("POST", "/adminAlertSignal/completealertsignal", sent)
    assert answer == {"errorText": "Alert signal not found"}
    assert signals(tv)[0]["completed"] is None


def test_live_lists_the_firms_data_account_and_demo_its_evaluation_accounts(tv: Driver) -> None:
    (data,) = tv.live("GET", "/account/list")
    assert (data["name"], data["userId"]) == ("SANDBOXPROP_DATA", 1)
    assert tv.live("GET", "/account/find?name=SANDBOXPROP_DATA") == data
    assert data["id"] not in {a["id"] for a in tv.demo("GET", "/account/list")}
    assert tv.call("GET", "live", "/account/find?name=OTHERPROP_DATA").status_code == 404


def test_an_entitlement_records_the_firms_data_account(tv: Driver) -> None:
    user_id = tv.create_user("withdata")
    tv.admin("POST", f"/users/{user_id}/sign-mda")
    (data,) = tv.live("GET", "/account/list")
    body = {"entitlementId": 12345, "userId": user_id, "accountId": data["id"]}
    answer = tv.live("POST", "/userPlugin/addentitlementsubscription", body)
    assert answer["errorCode"] == "Success"
    (plugin,) = tv.live("GET", f"/userPlugin/deps?masterid={user_id}")
    assert plugin["accountId"] == data["id"]


@pytest.mark.parametrize(
    "account_id", [902, 1002, 424242], ids=["other-firms-data", "demo-template", "unknown"]
)
def test_an_account_that_is_not_the_firms_live_data_account_is_refused(
    tv: Driver, account_id: int
) -> None:
    user_id = tv.create_user("baddata")
    tv.admin("POST", f"/users/{user_id}/sign-mda")
    body = {"entitlementId": 12345, "userId": user_id, "accountId": account_id}
    assert tv.live("POST", "/userPlugin/addentitlementsubscription", body) == {
        "errorText": f"Account {account_id} is not a live data account of your organization",
        "errorCode": "IncorrectPaymentMethod",
    }
    assert tv.live("GET", f"/userPlugin/deps?masterid={user_id}") == []
