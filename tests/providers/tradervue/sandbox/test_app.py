"""The Tradervue sandbox's protocol over real HTTP: User-Agent, Basic auth, the order of checks,
routing, and the list and show shapes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from reconciler.providers.tradervue.sandbox import DEFAULT_MANAGER
from tests.providers.tradervue.driver import (
    MANAGER_ID,
    OUTSIDER_ID,
    USER_AGENT,
    Driver,
    new_user,
    running,
)


@pytest.fixture(scope="module")
def tv() -> Iterator[Driver]:
    with running() as driver:
        driver.create("member1", password="member-pass")
        yield driver


def raw(
    tv: Driver,
    method: str,
    path: str,
    *,
    agent: str | None = USER_AGENT,
    auth: tuple[str, str] | None = DEFAULT_MANAGER,
    content: bytes | None = None,
    body: Any = None,
) -> httpx.Response:
    """A request with exactly the given User-Agent and credentials."""
    headers = {"User-Agent": agent or ""}
    with httpx.Client(base_url=tv.server.base_url, headers=headers) as client:
        return client.request(method, path, auth=auth, content=content, json=body)


def test_missing_user_agent_is_400_before_anything_else(tv: Driver) -> None:
    answer = raw(tv, "POST", "/users", agent=None, auth=None, content=b"{not json")
    assert answer.status_code == 400
    assert "User-Agent" in answer.json()["error"]


def test_missing_credentials_are_401_with_a_basic_challenge(tv: Driver) -> None:
    answer = raw(tv, "GET", "/users", auth=None)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "auth",
    [(DEFAULT_MANAGER[0], "wrong-password"), ("nobody", "whatever"), ("outsider", "x")],
    ids=["wrong-password", "unknown-user", "user-without-a-password"],
)
def test_bad_credentials_are_401(tv: Driver, auth: tuple[str, str]) -> None:
    assert raw(tv, "GET", "/users", auth=auth).status_code == 401


def test_a_member_that_is_not_the_manager_is_403_with_an_error_body(tv: Driver) -> None:
    answer = raw(tv, "GET", "/users", auth=("member1", "member-pass"))
    assert answer.status_code == 403
    assert answer.json()["error"].startswith("Access denied")


def test_the_manager_login_is_case_insensitive(tv: Driver) -> None:
    auth = (DEFAULT_MANAGER[0].upper(), DEFAULT_MANAGER[1])
    assert raw(tv, "GET", "/users", auth=auth).status_code == 200


def test_auth_is_checked_before_malformed_json(tv: Driver) -> None:
    assert raw(tv, "POST", "/users", auth=None, content=b"{oops").status_code == 401


@pytest.mark.parametrize(
    "content", [b"{oops", b"[1, 2]", b'"text"'], ids=["broken", "array", "string"]
)
def test_a_body_that_is_not_a_json_object_is_400(tv: Driver, content: bytes) -> None:
    answer = raw(tv, "POST", "/users", content=content)
    assert answer.status_code == 400
    assert answer.json() == {"error": "Invalid request: malformed JSON"}


def test_malformed_json_is_checked_before_validation(tv: Driver) -> None:
    answer = raw(tv, "PUT", f"/users/{MANAGER_ID}", content=b"{oops")
    assert answer.json()["error"] == "Invalid request: malformed JSON"


def test_list_returns_the_organisation_only_ascending_by_id(tv: Driver) -> None:
    first = tv.create("listed-b")
    second = tv.create("listed-a")
    users = tv.api.get("/users").json()["users"]
    ids = [u["id"] for u in users]
    assert ids == sorted(ids)
    assert ids[0] == MANAGER_ID
    assert OUTSIDER_ID not in ids
    assert {first, second} <= set(ids)
    assert set(users[0]) == {"id", "username", "email", "plan", "billing_mode", "last_login"}


def test_ids_are_sequential_from_the_configured_start() -> None:
    from reconciler.providers.tradervue.sandbox import SandboxConfig

    with running(SandboxConfig(id_start=500)) as driver:
        assert driver.create("first") == 503  # the two managers and the outsider came first
        assert driver.create("second") == 504


def test_show_returns_the_bare_user(tv: Driver) -> None:
    user_id = tv.create("shown", plan="gold")
    assert tv.api.get(f"/users/{user_id}").json() == {
        "id": user_id,
        "username": "shown",
        "email": "shown@example.com",
        "plan": "Gold",
        "billing_mode": "Managed",
        "last_login": None,
    }


@pytest.mark.parametrize(
    "path",
    ["/users/999999", f"/users/{OUTSIDER_ID}", "/users/abc"],
    ids=["unknown-id", "other-organisation", "not-an-id"],
)
def test_show_and_update_of_a_user_outside_the_organisation_are_404(tv: Driver, path: str) -> None:
    assert tv.api.get(path).status_code == 404
    answer = tv.api.put(path, json={"plan": "Gold"})
    assert answer.status_code == 404
    assert answer.json() == {"error": "Not found"}


def test_there_is_no_delete(tv: Driver) -> None:
    user_id = tv.create("undeletable")
    assert tv.api.delete(f"/users/{user_id}").status_code == 404
    assert tv.api.get(f"/users/{user_id}").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/trades"), ("PATCH", "/users/10000"), ("POST", "/users/10000")],
    ids=["unknown-resource", "patch", "post-to-a-user"],
)
def test_unrouted_requests_are_404_after_auth(tv: Driver, method: str, path: str) -> None:
    assert raw(tv, method, path, auth=None).status_code == 401
    assert raw(tv, method, path).status_code == 404


def test_paths_outside_the_api_are_404(tv: Driver) -> None:
    assert httpx.get(f"{tv.server.url}/elsewhere").status_code == 404


def test_a_created_user_can_log_in_but_is_not_a_manager(tv: Driver) -> None:
    tv.create("logs-in", password="pass-word")
    assert raw(tv, "GET", "/users", auth=("logs-in", "pass-word")).status_code == 403
    assert raw(tv, "GET", "/users", auth=("logs-in", "wrong")).status_code == 401


def test_requests_need_no_accept_or_content_type(tv: Driver) -> None:
    answer = raw(tv, "POST", "/users", content=b'{"username": "plain"}')
    assert answer.status_code == 400  # validation, not a protocol refusal
    assert "plan is required" in answer.json()["error"]
    body = new_user("plainer")
    assert raw(tv, "POST", "/users", body=body).status_code == 201
