"""Wire models: camelCase only on the wire, secrets revealed only when a body is built."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, TypeAdapter

from reconciler.providers.tradovate.models import (
    AccessTokenResponse,
    Account,
    AutoLiq,
    CancelEverything,
    ContactUpdate,
    EntitlementOutcome,
    ErrorBody,
    EvaluationAccount,
    EvaluationUser,
    ItemOutcome,
    PenaltyTicket,
    TradingPermission,
    TradovateSubscription,
    User,
    UserPlugin,
)


def make_user() -> EvaluationUser:
    return EvaluationUser(
        name="alice.smith",
        email="alice@example.com",
        password=SecretStr("pw-Secret-1"),
        first_name="Alice",
        last_name="Smith",
        tradovate_subscription_plan_id=501,
    )


def test_request_body_uses_wire_names_and_reveals_the_password() -> None:
    assert make_user().body() == {
        "name": "alice.smith",
        "email": "alice@example.com",
        "password": "pw-Secret-1",
        "firstName": "Alice",
        "lastName": "Smith",
        "tradovateSubscriptionPlanId": 501,
    }


def test_request_model_repr_hides_the_password() -> None:
    user = make_user()
    assert "pw-Secret-1" not in repr(user) + str(user) + user.model_dump_json()


def test_risk_dicts_pass_through_unchanged() -> None:
    account = EvaluationAccount(
        user_id=7,
        template_account_id=1001,
        name="ACME1",
        initial_balance=50000,
        post_trade_risk={"dailyLossAutoLiq": 1100, "trailingMaxDrawdown": None},
    )
    assert account.body()["postTradeRisk"] == {
        "dailyLossAutoLiq": 1100,
        "trailingMaxDrawdown": None,
    }
    assert "preTradeRisk" not in account.body()


def test_optional_contact_fields_are_omitted_when_absent() -> None:
    contact = ContactUpdate(
        user_id=3,
        first_name="A",
        last_name="Bc",
        street_address1="1 Main St",
        city="X",
        country="DE",
        phone="+4912345678",
    )
    assert set(contact.body()) == {
        "userId",
        "firstName",
        "lastName",
        "streetAddress1",
        "city",
        "country",
        "phone",
    }


def test_cancel_everything_sets_all_four_flags() -> None:
    body = CancelEverything(user_ids=[1, 2]).body()
    assert body == {
        "userIds": [1, 2],
        "tradovateSubscriptions": True,
        "userPlugins": True,
        "marketDataSubscriptions": True,
        "tradingPermissions": True,
    }


@pytest.mark.parametrize(
    ("wire", "expected"), [("", None), ("Bad", "Bad"), (None, None)], ids=["blank", "text", "null"]
)
def test_blank_error_text_reads_as_none(wire: str | None, expected: str | None) -> None:
    assert ItemOutcome.model_validate({"errorText": wire, "userId": 4}).error_text == expected


def test_entitlement_outcome_reads_the_subscription_as_plugin() -> None:
    outcome = EntitlementOutcome.model_validate(
        {
            "errorCode": "Success",
            "entitlementSubscription": {
                "id": 9,
                "userId": 4,
                "entitlementId": 12345,
                "pluginName": "T-Prop",
                "approval": True,
            },
        }
    )
    assert outcome.plugin is not None
    assert (outcome.plugin.user_id, outcome.plugin.entitlement_id) == (4, 12345)


def test_auto_liq_reads_camel_case_fields() -> None:
    liq = TypeAdapter(AutoLiq).validate_python(
        {"id": 1001, "dailyLossAutoLiq": 500, "doNotUnlock": True, "trailingMaxDrawdownMode": "EOD"}
    )
    assert (liq.daily_loss_auto_liq, liq.do_not_unlock, liq.trailing_max_drawdown_mode) == (
        500,
        True,
        "EOD",
    )


def test_penalty_ticket_is_found_and_stamped_without_showing_it() -> None:
    ticket = PenaltyTicket.find({"p-ticket": "tkt-1", "p-time": 3, "p-captcha": False})
    assert ticket is not None
    assert (ticket.wait, ticket.captcha) == (3, False)
    assert "tkt-1" not in repr(ticket)
    assert ticket.stamp({"a": 1, "p-ticket": "old"}) == {"a": 1, "p-ticket": "tkt-1"}
    assert PenaltyTicket.find({"errorText": "x"}) is None
    assert PenaltyTicket.find([]) is None


def test_access_token_is_secret_and_expiry_is_parsed() -> None:
    answer = AccessTokenResponse.model_validate(
        {"accessToken": "tok-9", "expirationTime": "2030-01-01T00:00:00Z", "userId": 1}
    )
    assert "tok-9" not in repr(answer)
    assert answer.expiration_time is not None
    assert answer.expiration_time.year == 2030


def test_error_body_describes_violations_or_error_text() -> None:
    violations = ErrorBody.model_validate(
        {
            "violations": [
                {"constraint": "name", "value": "a_1", "description": "Bad"},
                {"constraint": "name", "value": "b", "description": "Bad"},
            ]
        }
    )
    assert violations.describe() == "name='a_1': Bad; name='b': Bad"
    assert ErrorBody.model_validate({"errorText": "Too many ids"}).describe() == "Too many ids"


@pytest.mark.parametrize(
    ("model", "item"),
    [
        (User, {"id": 1, "name": "a", "email": "a@x.io", "status": "Active"}),
        (Account, {"id": 1, "name": "SA1", "userId": 1}),
        (TradingPermission, {"id": 1, "userId": 1, "accountId": 1, "status": "Approved"}),
        (AutoLiq, {"id": 1, "dailyLossAutoLiq": 1100}),
        (TradovateSubscription, {"id": 1, "userId": 1, "tradovateSubscriptionPlanId": 7}),
        (
            UserPlugin,
            {"id": 1, "userId": 1, "pluginName": "T-Prop", "approval": True, "entitlementId": 3},
        ),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else "",
)
def test_what_the_refresh_lists_by_the_firm_is_held_as_slotted_rows(
    model: type[object], item: dict[str, object]
) -> None:
    """The firm's users, accounts, permissions, risk, subscriptions and plugins are listed
    whole (no pages): each item is a frozen slotted row, not a model with a dict of its own."""
    (row,) = TypeAdapter(list[model]).validate_python([item])  # type: ignore[valid-type]

    assert type(row) is model
    assert not hasattr(row, "__dict__")
