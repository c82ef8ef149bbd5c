"""Tradervue wire models: request bodies omit unset fields and reveal secrets only in `body()`."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from pydantic import SecretStr, TypeAdapter

from reconciler.providers.tradervue.models import (
    NewUser,
    NewUserSettings,
    User,
    UserList,
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
    user = TypeAdapter(User).validate_python(
        {"id": 1, "username": "a", "email": "a@x.io", "plan": "Free", "avatar": "x.png"}
    )
    assert (user.billing_mode, user.last_login) == (None, None)


def test_a_listed_user_is_a_frozen_row_without_an_instance_dict() -> None:
    """The refresh lists the whole organisation at once: each user is a slotted row (no
    instance dict, no set of the fields given), a few times smaller than a model."""
    listed = UserList.model_validate(
        {"users": [{"id": 1, "username": "a", "email": "a@x.io", "plan": "Free"}]}
    )
    (user,) = listed.users

    assert not hasattr(user, "__dict__")
    with pytest.raises(FrozenInstanceError):
        user.plan = "Gold"  # type: ignore[misc]
