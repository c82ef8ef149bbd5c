"""The sandbox's users API over HTTP: create, update and list rules, error codes and shapes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.providers.traderpal.conftest import Admin, unique_email, user_body


def create(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = api.post("/v1/users", json=user_body(**fields))
    assert response.status_code == 201, response.text
    return dict(response.json())


def error_of(response: httpx.Response) -> tuple[int, str, str | None]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["details"].get("field")


def test_create_answers_201_with_the_full_user_pending_verification(api: httpx.Client) -> None:
    body = user_body()
    response = api.post("/v1/users", json=body)
    assert response.status_code == 201
    user = response.json()
    assert user["userId"].startswith("usr_")
    assert len(user["userId"]) == 16
    assert {k: user[k] for k in body} == body
    assert user["status"] == "pending_verification"
    assert user["verificationStatus"] == {
        "email": "pending",
        "identity": "pending",
        "address": "pending",
    }
    assert user["createdAt"] == user["updatedAt"] == "2026-03-02T08:00:00Z"
    assert "location" not in response.headers


def test_optional_fields_left_out_are_answered_as_null(api: httpx.Client) -> None:
    user = create(api, dateOfBirth=None, country=None, phoneNumber=None)
    assert (user["dateOfBirth"], user["country"], user["phoneNumber"]) == (None, None, None)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"email": None}, (400, "invalid_request", "email")),
        ({"firstName": None}, (400, "invalid_request", "firstName")),
        ({"lastName": 7}, (400, "invalid_request", "lastName")),
        ({"nickname": "x"}, (400, "invalid_request", "nickname")),
        ({"status": "active"}, (422, "field_not_updatable", "status")),
        ({"userId": "usr_123456789"}, (422, "field_not_updatable", "userId")),
        ({"email": "not-an-email"}, (422, "invalid_user_data", "email")),
        ({"firstName": "  "}, (422, "invalid_user_data", "firstName")),
        ({"lastName": "x" * 101}, (422, "invalid_user_data", "lastName")),
        ({"country": "us"}, (422, "invalid_user_data", "country")),
        ({"country": "USA"}, (422, "invalid_user_data", "country")),
        ({"country": "ZZ"}, (422, "invalid_user_data", "country")),
        ({"phoneNumber": "5551234567"}, (422, "invalid_user_data", "phoneNumber")),
        ({"phoneNumber": "+0551234567"}, (422, "invalid_user_data", "phoneNumber")),
        ({"dateOfBirth": "01/02/1990"}, (422, "invalid_user_data", "dateOfBirth")),
        ({"dateOfBirth": "1990-02-30"}, (422, "invalid_user_data", "dateOfBirth")),
        ({"dateOfBirth": "2026-03-03"}, (422, "invalid_user_data", "dateOfBirth")),
        ({"dateOfBirth": "2008-03-03"}, (422, "invalid_user_data", "dateOfBirth")),
    ],
    ids=[
        "email-missing",
        "first-name-missing",
        "last-name-not-text",
        "unknown-field",
        "status-read-only",
        "user-id-read-only",
        "email-format",
        "first-name-blank",
        "last-name-long",
        "country-lower-case",
        "country-alpha-3",
        "country-unassigned",
        "phone-without-plus",
        "phone-leading-zero",
        "birth-date-format",
        "birth-date-impossible",
        "birth-date-future",
        "underage",
    ],
)
def test_create_refuses_invalid_bodies(
    api: httpx.Client, fields: dict[str, Any], expected: tuple[int, str, str]
) -> None:
    assert error_of(api.post("/v1/users", json=user_body(**fields))) == expected


def test_eighteen_today_is_old_enough(api: httpx.Client) -> None:
    assert create(api, dateOfBirth="2008-03-02")["dateOfBirth"] == "2008-03-02"


@pytest.mark.parametrize(
    "content", [b"{not json", b"[1, 2]", b"null"], ids=["bad-json", "array", "null"]
)
def test_a_body_that_is_not_a_json_object_is_400(api: httpx.Client, content: bytes) -> None:
    response = api.post("/v1/users", content=content)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_email_is_unique_case_insensitively_and_stays_reserved_once_closed(
    api: httpx.Client,
) -> None:
    user = create(api)
    again = api.post("/v1/users", json=user_body(email=user["email"].upper()))
    assert error_of(again) == (409, "email_exists", "email")
    api.patch(f"/v1/users/{user['userId']}", json={"status": "closed"})
    reused = api.post("/v1/users", json=user_body(email=user["email"]))
    assert error_of(reused) == (409, "email_exists", "email")


def test_get_answers_the_user_and_404_for_unknown_or_malformed_ids(api: httpx.Client) -> None:
    user = create(api)
    assert api.get(f"/v1/users/{user['userId']}").json() == user
    assert error_of(api.get("/v1/users/usr_doesnotexist1"))[:2] == (404, "not_found")
    assert error_of(api.get("/v1/users/12345"))[:2] == (404, "not_found")


def test_patch_changes_only_the_given_fields_and_bumps_updated_at(
    api: httpx.Client, admin: Admin
) -> None:
    user = create(api)
    admin.post("/clock/advance", {"seconds": 60})
    response = api.patch(f"/v1/users/{user['userId']}", json={"lastName": "Byron"})
    assert response.status_code == 200
    changed = response.json()
    assert changed == {**user, "lastName": "Byron", "updatedAt": "2026-03-02T08:01:00Z"}


@pytest.mark.parametrize("body", [{}, {"firstName": "Ada"}], ids=["empty-body", "same-values"])
def test_patch_changing_nothing_keeps_updated_at(
    api: httpx.Client, admin: Admin, body: dict[str, Any]
) -> None:
    user = create(api)
    admin.post("/clock/advance", {"seconds": 60})
    response = api.patch(f"/v1/users/{user['userId']}", json=body)
    assert (response.status_code, response.json()) == (200, user)


def test_patch_with_null_clears_an_optional_field(api: httpx.Client) -> None:
    user = create(api)
    response = api.patch(f"/v1/users/{user['userId']}", json={"phoneNumber": None})
    assert response.json()["phoneNumber"] is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"email": "new@example.com"}, (422, "field_not_updatable", "email")),
        ({"verificationStatus": {}}, (422, "field_not_updatable", "verificationStatus")),
        ({"createdAt": "2020-01-01T00:00:00Z"}, (422, "field_not_updatable", "createdAt")),
        ({"middleName": "x"}, (400, "invalid_request", "middleName")),
        ({"firstName": None}, (422, "invalid_user_data", "firstName")),
        ({"country": "gb"}, (422, "invalid_user_data", "country")),
        ({"status": "frozen"}, (422, "invalid_user_data", "status")),
        ({"dateOfBirth": "2010-01-01"}, (422, "invalid_user_data", "dateOfBirth")),
    ],
    ids=[
        "email",
        "verification-status",
        "created-at",
        "unknown-field",
        "first-name-null",
        "country-format",
        "unknown-status",
        "underage",
    ],
)
def test_patch_refuses_what_cannot_change(
    api: httpx.Client, body: dict[str, Any], expected: tuple[int, str, str]
) -> None:
    user = create(api)
    assert error_of(api.patch(f"/v1/users/{user['userId']}", json=body)) == expected


@pytest.mark.parametrize(
    ("start", "wanted", "status"),
    [
        ("active", "suspended", 200),
        ("suspended", "active", 200),
        ("active", "active", 200),
        ("pending_verification", "closed", 200),
        ("active", "closed", 200),
        ("suspended", "closed", 200),
        ("pending_verification", "active", 409),
        ("pending_verification", "suspended", 409),
        ("active", "pending_verification", 409),
        ("closed", "active", 409),
        ("closed", "closed", 409),
    ],
    ids=lambda value: str(value),
)
def test_status_transitions(
    api: httpx.Client, admin: Admin, start: str, wanted: str, status: int
) -> None:
    user = create(api)
    if start != "pending_verification":
        admin.post(f"/users/{user['userId']}/update", {"status": start})
    response = api.patch(f"/v1/users/{user['userId']}", json={"status": wanted})
    assert response.status_code == status, response.text
    if status == 409:
        assert response.json()["error"]["code"] == "invalid_state_transition"
    else:
        assert response.json()["status"] == wanted


def test_a_closed_user_refuses_any_patch_even_an_empty_one(api: httpx.Client) -> None:
    user = create(api)
    api.patch(f"/v1/users/{user['userId']}", json={"status": "closed"})
    response = api.patch(f"/v1/users/{user['userId']}", json={})
    assert error_of(response)[:2] == (409, "invalid_state_transition")
    assert api.get(f"/v1/users/{user['userId']}").json()["status"] == "closed"


def test_there_is_no_delete(api: httpx.Client) -> None:
    user = create(api)
    response = api.delete(f"/v1/users/{user['userId']}")
    assert error_of(response)[:2] == (405, "method_not_allowed")
    assert response.headers["allow"] == "GET, PATCH"
    assert api.get(f"/v1/users/{user['userId']}").status_code == 200


def test_list_pages_in_creation_order_with_the_total(api: httpx.Client, admin: Admin) -> None:
    existing = api.get("/v1/users", params={"limit": 1000}).json()["metadata"]["total"]
    emails = []
    for _ in range(3):  # one second apart: within a second the list is ordered by userId
        admin.post("/clock/advance", {"seconds": 1})
        emails.append(create(api)["email"])
    first = api.get("/v1/users", params={"limit": 2, "offset": existing}).json()
    second = api.get("/v1/users", params={"limit": 2, "offset": existing + 2}).json()
    assert [u["email"] for u in first["users"] + second["users"]] == emails
    assert first["metadata"] == {"total": existing + 3, "limit": 2, "offset": existing}
    assert set(first["users"][0]) >= {"dateOfBirth", "verificationStatus", "updatedAt"}


def test_list_defaults_to_100_and_includes_closed_users(api: httpx.Client) -> None:
    user = create(api)
    api.patch(f"/v1/users/{user['userId']}", json={"status": "closed"})
    listed = api.get("/v1/users").json()
    assert listed["metadata"]["limit"] == 100
    assert listed["metadata"]["offset"] == 0
    every = api.get("/v1/users", params={"limit": 1000}).json()["users"]
    assert user["userId"] in {u["userId"] for u in every}


def test_list_filters_by_status_with_pending_as_an_alias(api: httpx.Client) -> None:
    create(api)
    pending = api.get("/v1/users", params={"status": "pending", "limit": 1000}).json()
    full = api.get("/v1/users", params={"status": "pending_verification", "limit": 1000}).json()
    assert pending == full
    assert pending["users"]
    assert {u["status"] for u in pending["users"]} == {"pending_verification"}
    assert pending["metadata"]["total"] == len(pending["users"])


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "1001"},
        {"limit": "ten"},
        {"offset": "-1"},
        {"status": "frozen"},
    ],
    ids=["limit-zero", "limit-over-1000", "limit-not-a-number", "negative-offset", "status"],
)
def test_list_refuses_bad_queries_with_400(api: httpx.Client, params: dict[str, str]) -> None:
    response = api.get("/v1/users", params=params)
    assert error_of(response)[:2] == (400, "invalid_request")


def test_idempotency_key_replays_the_first_201(api: httpx.Client, admin: Admin) -> None:
    body = user_body()
    headers = {"Idempotency-Key": "key-1-" + body["email"]}
    first = api.post("/v1/users", json=body, headers=headers)
    again = api.post("/v1/users", json=body, headers=headers)
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    other = api.post("/v1/users", json=user_body(), headers=headers)
    assert error_of(other)[:2] == (422, "idempotency_key_reused")
    admin.post("/clock/advance", {"seconds": 24 * 3600})
    expired = api.post("/v1/users", json=body, headers=headers)
    assert error_of(expired) == (409, "email_exists", "email")


def test_create_with_a_new_email_works_while_the_old_one_is_reserved(api: httpx.Client) -> None:
    """P7: replacing a user by a new e-mail works; going back to the closed one does not."""
    old = create(api)
    api.patch(f"/v1/users/{old['userId']}", json={"status": "closed"})
    new = api.post("/v1/users", json=user_body(email=unique_email("renamed")))
    assert new.status_code == 201
