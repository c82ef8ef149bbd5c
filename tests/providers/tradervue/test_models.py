"""Tradervue wire models: request bodies omit unset fields and reveal secrets only in `body()`."""

from __future__ import annotations

from pydantic import SecretStr

from reconciler.providers.tradervue.models import (
    NewUser,
    NewUserSettings,
    User,
    UserUpdate,
    WireChart,
)


def test_a_new_user_body_has_only_what_was_given() -> None:
    request = NewUser(
        username="alice", plan="Gold", email="a@example.com", password=SecretStr("pw-123456")
    )
    assert request.body() == {
        "username": "alice",
        "plan": "Gold",
        "email": "a@example.com",
        "password": "pw-123456",
    }
    assert "pw-123456" not in repr(request)
    assert "pw-123456" not in str(request.model_dump())


def test_settings_travel_nested_with_charts() -> None:
    request = NewUser(
        username="a",
        plan="Gold",
        email="a@example.com",
        password=SecretStr("pw-123456"),
        trial_end="2026-03-20",
        settings=NewUserSettings(mentor=7, charts=[WireChart(type="ohlc", timeframe="d")]),
    )
    assert request.body()["settings"] == {
        "mentor": 7,
        "charts": [{"type": "ohlc", "timeframe": "d"}],
    }
    assert request.body()["trial_end"] == "2026-03-20"


def test_an_update_body_holds_only_the_changed_fields() -> None:
    assert UserUpdate(plan="Free").body() == {"plan": "Free"}


def test_a_listed_user_ignores_unknown_fields() -> None:
    user = User.model_validate(
        {"id": 1, "username": "a", "email": "a@x.io", "plan": "Free", "avatar": "x.png"}
    )
    assert (user.billing_mode, user.last_login) == (None, None)
