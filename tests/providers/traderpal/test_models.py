"""TraderPal wire models: tolerant reading, what counts as verified, the bodies sent."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.providers.traderpal.models import NewUser, User, UserChanges


def user(**fields: Any) -> User:
    return User.model_validate({"userId": "usr_abcdefghi", "email": "a@example.com", **fields})


@pytest.mark.parametrize(
    ("fields", "verified"),
    [
        ({"status": "pending_verification"}, False),
        ({"status": "active"}, True),
        ({"status": "suspended"}, True),
        ({"status": "closed", "verificationStatus": {"identity": "pending"}}, False),
        ({"status": "closed", "verificationStatus": {"identity": "verified"}}, True),
        ({"status": "closed"}, True),
        ({}, True),
    ],
    ids=[
        "pending",
        "active",
        "suspended",
        "closed-unverified",
        "closed-verified",
        "closed-unknown",
        "no-status",
    ],
)
def test_is_verified(fields: dict[str, Any], verified: bool) -> None:
    assert user(**fields).is_verified is verified


def test_shown_tells_null_from_absent() -> None:
    found = user(phoneNumber=None, unknownField=1)
    assert found.shown("phone_number")
    assert found.phone_number is None
    assert not found.shown("country")


def test_new_user_leaves_out_unknown_optional_fields() -> None:
    body = NewUser(email="a@example.com", first_name="A", last_name="B", country="US").body()
    assert body == {"email": "a@example.com", "firstName": "A", "lastName": "B", "country": "US"}


def test_user_changes_send_exactly_what_was_set_nulls_included() -> None:
    assert UserChanges(phone_number=None, status="suspended").body() == {
        "phoneNumber": None,
        "status": "suspended",
    }
    assert UserChanges().body() == {}
