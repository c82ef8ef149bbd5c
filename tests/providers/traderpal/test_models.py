"""TraderPal wire models: tolerant reading, what counts as verified, the bodies sent."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from typing import Any

import pytest
from pydantic import TypeAdapter

from reconciler.providers.traderpal.models import NewUser, User, UserChanges, UserPage


def user(**fields: Any) -> User:
    return TypeAdapter(User).validate_python(
        {"userId": "usr_abcdefghi", "email": "a@example.com", **fields}
    )


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


def test_a_listed_user_is_a_frozen_row_without_an_instance_dict() -> None:
    """The refresh lists every user at once: each is a slotted row (no instance dict, no set
    of the fields given of its own), a few times smaller than a model."""
    page = UserPage.model_validate(
        {"users": [{"userId": "usr_abcdefghi", "email": "a@example.com", "country": "US"}]}
    )
    (found,) = page.users

    assert not hasattr(found, "__dict__")
    assert not hasattr(found.verification_status, "__dict__")
    with pytest.raises(FrozenInstanceError):
        found.country = "GB"  # type: ignore[misc]
    assert found.shown("country")


def test_what_an_answer_carries_is_found_not_taken_from_it() -> None:
    found = user(shownFields=["country"], shown_fields=["phone_number"])
    assert not found.shown("country")
    assert not found.shown("phone_number")
    assert user(verificationStatus={"identity": "pending"}).verification_status is not None
