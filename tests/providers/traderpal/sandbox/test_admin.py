"""The sandbox's `/_sandbox` actions: a trader verifying, staff changes, deletion, settings,
the clock and the world dump."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reconciler.providers.traderpal.sandbox import DEFAULT_API_KEY
from tests.providers.traderpal.conftest import Admin, unique_email, user_body


def create(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = api.post("/v1/users", json=user_body(**fields))
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_activate_by_email_verifies_and_activates_a_pending_user(
    api: httpx.Client, admin: Admin
) -> None:
    user = create(api)
    activated = admin.post(f"/users/{user['email'].upper()}/activate")
    assert activated["status"] == "active"
    assert set(activated["verificationStatus"].values()) == {"verified"}
    assert api.get(f"/v1/users/{user['userId']}").json() == activated


def test_activate_keeps_a_suspended_user_suspended(api: httpx.Client, admin: Admin) -> None:
    user = create(api)
    admin.post(f"/users/{user['userId']}/update", {"status": "suspended"})
    assert admin.post(f"/users/{user['userId']}/activate")["status"] == "suspended"


def test_a_closed_user_cannot_be_activated(api: httpx.Client, admin: Admin) -> None:
    user = create(api)
    api.patch(f"/v1/users/{user['userId']}", json={"status": "closed"})
    refused = admin.post(f"/users/{user['userId']}/activate", expect=409)
    assert refused["error"]["code"] == "invalid_state_transition"


def test_unknown_users_and_actions_are_404(api: httpx.Client, admin: Admin) -> None:
    admin.post("/users/nobody@example.com/activate", expect=404)
    user = create(api)
    admin.post(f"/users/{user['userId']}/freeze", expect=404)
    admin.post("/nothing", expect=404)


def test_staff_may_change_any_field_and_status_without_transition_rules(
    api: httpx.Client, admin: Admin
) -> None:
    user = create(api)
    api.patch(f"/v1/users/{user['userId']}", json={"status": "closed"})
    new_email = unique_email("moved")
    changed = admin.post(
        f"/users/{user['userId']}/update",
        {
            "status": "active",
            "email": new_email,
            "phoneNumber": None,
            "lastName": "Byron",
            "verificationStatus": {"identity": "verified"},
        },
    )
    assert (changed["status"], changed["email"], changed["lastName"]) == (
        "active",
        new_email,
        "Byron",
    )
    assert changed["phoneNumber"] is None
    assert changed["verificationStatus"] == {
        "email": "pending",
        "identity": "verified",
        "address": "pending",
    }
    assert create(api, email=user["email"])["email"] == user["email"]  # the old one is free


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"nickname": "x"}, 400),
        ({"status": "frozen"}, 400),
        ({"firstName": None}, 400),
        ({"verificationStatus": {"face": "verified"}}, 400),
        ({"email": "TAKEN"}, 409),
    ],
    ids=["unknown-field", "unknown-status", "null-name", "unknown-check", "email-taken"],
)
def test_staff_updates_are_checked_for_shape_and_email_uniqueness(
    api: httpx.Client, admin: Admin, body: dict[str, Any], status: int
) -> None:
    taken = create(api)
    user = create(api)
    if body.get("email") == "TAKEN":
        body = {"email": taken["email"].upper()}
    admin.post(f"/users/{user['userId']}/update", body, expect=status)
    assert api.get(f"/v1/users/{user['userId']}").json() == user


def test_delete_removes_the_user_and_frees_its_email(api: httpx.Client, admin: Admin) -> None:
    user = create(api)
    assert admin.post(f"/users/{user['email']}/delete") == {"deleted": user["userId"]}
    assert api.get(f"/v1/users/{user['userId']}").status_code == 404
    assert create(api, email=user["email"])["userId"] != user["userId"]


def test_auto_activate_creates_verified_active_users(api: httpx.Client, admin: Admin) -> None:
    assert admin.post("/settings", {"auto_activate": True}) == {
        "auto_activate": True,
        "min_age": 18,
    }
    user = create(api)
    assert user["status"] == "active"
    assert set(user["verificationStatus"].values()) == {"verified"}
    admin.post("/settings", {"auto_activate": "yes"}, expect=400)
    admin.post("/settings", {"min_age": 21}, expect=400)


def test_the_clock_moves_timestamps_and_the_age_rule(api: httpx.Client, admin: Admin) -> None:
    before = admin.post("/clock/advance", {"seconds": 0})["now"]
    refused = api.post("/v1/users", json=user_body(dateOfBirth="2009-01-01"))
    assert refused.json()["error"]["details"]["reason"] == "underage"
    moved = admin.post("/clock/advance", {"seconds": 400 * 24 * 3600})
    assert moved["now"] > before
    user = create(api, dateOfBirth="2009-01-01")
    assert user["createdAt"] == moved["now"]
    admin.post("/clock/advance", {"seconds": -1}, expect=400)


def test_world_dump_lists_users_and_settings_but_no_api_keys(
    api: httpx.Client, admin: Admin
) -> None:
    user = create(api)
    world = admin.get("/world")
    assert user in world["users"]
    assert world["settings"] == {"auto_activate": False, "min_age": 18}
    assert DEFAULT_API_KEY not in str(world)


def test_clearing_the_request_log(api: httpx.Client, admin: Admin) -> None:
    api.get("/v1/users")
    assert admin.post("/requests/clear") == {"cleared": 1}
    assert admin.get("/requests") == []


def test_create_makes_a_user_outside_reconciler_by_the_api_rules(
    api: httpx.Client, admin: Admin
) -> None:
    body = user_body(phoneNumber=None)
    made = admin.post("/users/create", body)
    taken = admin.post("/users/create", {**body, "email": body["email"].upper()}, expect=409)
    too_young = admin.post("/users/create", user_body(dateOfBirth="2020-01-01"), expect=422)
    unnamed = admin.post("/users/create", user_body(lastName=None), expect=400)

    assert api.get(f"/v1/users/{made['userId']}").json() == made
    assert (made["email"], made["status"], made["phoneNumber"]) == (
        body["email"],
        "pending_verification",
        None,
    )
    assert taken["error"]["code"] == "email_exists"
    assert too_young["error"]["details"]["field"] == "dateOfBirth"
    assert unnamed["error"]["details"]["field"] == "lastName"
