"""The Tradovate sandbox over real HTTP: auth and sessions, domains, paths and access rules.
Also home of the driver the other sandbox tests share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from reconciler.providers.tradovate.sandbox import (
    DEFAULT_ADMIN,
    SandboxConfig,
    SandboxServer,
    serve_sandbox,
)

WEDNESDAY_NOON = datetime(2026, 1, 7, 12, tzinfo=UTC).timestamp()
BAD_CREDENTIALS = (
    "Incorrect username or password. Please try again, noting that passwords are case-sensitive."
)


class FakeClock:
    """The sandbox's clock, moved by the test instead of waiting."""

    def __init__(self, start: float = WEDNESDAY_NOON) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Driver:
    """A running sandbox, its clock and an HTTP client logged in as the org admin."""

    server: SandboxServer
    clock: FakeClock
    http: httpx.Client
    token: str = ""

    def login(
        self,
        name: str = DEFAULT_ADMIN[0],
        password: str = DEFAULT_ADMIN[1],
        *,
        sec: str = DEFAULT_ADMIN[2],
        domain: str = "live",
        **extra: Any,
    ) -> httpx.Response:
        body = {"name": name, "password": password, "sec": sec, "appId": "tests", "cid": 0}
        return self.call(
            "POST", domain, "/auth/accesstokenrequest", json={**body, **extra}, token=None
        )

    def call(
        self,
        method: str,
        domain: str,
        path: str,
        *,
        json: Any = None,
        token: str | bool | None = True,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        base = self.server.live_url if domain == "live" else self.server.demo_url
        sent = dict(headers or {})
        if token is True:
            sent["Authorization"] = f"Bearer {self.token}"
        elif isinstance(token, str):
            sent["Authorization"] = f"Bearer {token}"
        return self.http.request(method, base + path, json=json, headers=sent)

    def live(self, method: str, path: str, json: Any = None) -> Any:
        """The JSON answer of an authenticated LIVE call that must succeed at the HTTP level."""
        response = self.call(method, "live", path, json=json)
        assert response.status_code == 200, response.text
        return response.json()

    def demo(self, method: str, path: str, json: Any = None) -> Any:
        response = self.call(method, "demo", path, json=json)
        assert response.status_code == 200, response.text
        return response.json()

    def log_in_again(self) -> None:
        """A fresh admin token (after the clock moved past the old one's lifetime)."""
        self.token = self.login().json()["accessToken"]

    def admin(self, method: str, path: str, json: Any = None) -> httpx.Response:
        return self.http.request(method, f"{self.server.url}/_sandbox{path}", json=json)

    def create_users(self, *users: dict[str, Any]) -> list[dict[str, Any]]:
        answer = self.live("POST", "/user/createevaluationusers", {"users": list(users)})
        results: list[dict[str, Any]] = answer["results"]
        return results

    def create_user(self, name: str, **fields: Any) -> int:
        (result,) = self.create_users(user(name, **fields))
        assert "userId" in result, result
        return int(result["userId"])

    def create_accounts(self, *accounts: dict[str, Any]) -> list[dict[str, Any]]:
        answer = self.demo("POST", "/user/createevaluationaccounts", {"accounts": list(accounts)})
        results: list[dict[str, Any]] = answer["results"]
        return results

    def requests(self) -> list[dict[str, Any]]:
        logged: list[dict[str, Any]] = self.admin("GET", "/requests").json()
        return logged


def user(name: str, /, **fields: Any) -> dict[str, Any]:
    """A valid EvaluationUser named `name`, with `fields` overriding."""
    base = {
        "name": name,
        "email": f"{name}@example.com",
        "password": "correct-horse-1",
        "firstName": "Test",
        "lastName": "Trader",
    }
    return {**base, **fields}


def account(user_id: int, name: str, /, **fields: Any) -> dict[str, Any]:
    """A valid EvaluationAccount on the 50K template, with `fields` overriding."""
    return {
        "userId": user_id,
        "templateAccountId": 1002,
        "name": name,
        "initialBalance": 50000,
        **fields,
    }


@contextmanager
def running(config: SandboxConfig | None = None, *, login: bool = True) -> Iterator[Driver]:
    """A sandbox on an ephemeral port with a fake clock; logged in as the admin by default."""
    clock = FakeClock()
    server = serve_sandbox(config, clock=clock)
    try:
        with httpx.Client(timeout=10) as http:
            driver = Driver(server, clock, http)
            if login:
                driver.log_in_again()
            yield driver
    finally:
        server.stop(wait=False)


@pytest.fixture
def tv() -> Iterator[Driver]:
    with running() as driver:
        yield driver


def test_urls_name_both_domains_of_one_server(tv: Driver) -> None:
    assert tv.server.url.startswith("http://127.0.0.1:")
    assert tv.server.live_url == tv.server.url + "/live/v1"
    assert tv.server.demo_url == tv.server.url + "/demo/v1"


def test_access_token_request_returns_the_documented_shape(tv: Driver) -> None:
    answer = tv.login().json()
    assert set(answer) == {
        "accessToken",
        "expirationTime",
        "passwordExpirationTime",
        "userId",
        "name",
        "userStatus",
        "hasLive",
        "hasSimPlus",
    }
    assert (answer["userId"], answer["name"], answer["userStatus"]) == (
        1,
        "sandbox_admin",
        "Active",
    )
    assert answer["expirationTime"] == "2026-01-07T13:30:00.000Z"
    assert answer["passwordExpirationTime"] == "2027-01-07T13:30:00.000Z"


@pytest.mark.parametrize(
    ("name", "password", "sec"),
    [
        ("nobody", DEFAULT_ADMIN[1], DEFAULT_ADMIN[2]),
        (DEFAULT_ADMIN[0], "wrong-password", DEFAULT_ADMIN[2]),
        (DEFAULT_ADMIN[0], DEFAULT_ADMIN[1].upper(), DEFAULT_ADMIN[2]),
        (DEFAULT_ADMIN[0], DEFAULT_ADMIN[1], "wrong-sec"),
    ],
    ids=["unknown-name", "wrong-password", "password-case", "wrong-sec"],
)
def test_bad_credentials_answer_200_with_error_text(
    tv: Driver, name: str, password: str, sec: str
) -> None:
    response = tv.login(name, password, sec=sec)
    assert response.status_code == 200
    assert response.json() == {"errorText": BAD_CREDENTIALS}


def test_user_names_log_in_ignoring_case_and_tokens_work_on_both_domains(tv: Driver) -> None:
    token = tv.login(DEFAULT_ADMIN[0].upper(), domain="demo").json()["accessToken"]
    assert tv.call("GET", "live", "/auth/me", token=token).json()["userId"] == 1
    assert tv.call("GET", "demo", "/account/list", token=token).status_code == 200


def test_created_users_log_in_with_their_own_password(tv: Driver) -> None:
    user_id = tv.create_user("trader1")
    answer = tv.login("trader1", "correct-horse-1", sec="").json()
    assert answer["userId"] == user_id


def test_me_describes_the_caller_with_every_field_of_the_spec(tv: Driver) -> None:
    assert tv.live("GET", "/auth/me") == {
        "userId": 1,
        "name": "sandbox_admin",
        "fullName": "Sandbox Admin",
        "email": "admin@sandbox.invalid",
        "emailVerified": True,
        "isTrial": False,
        "organizationName": "Sandbox Prop",
        "currentMDSubs": [],
        "currentBalance": 0,
        "activePlugins": [],
    }


@pytest.mark.parametrize("token", [None, "not-a-token"], ids=["missing", "unknown"])
def test_calls_without_a_valid_token_are_denied(tv: Driver, token: str | None) -> None:
    response = tv.call("GET", "live", "/user/list", token=token)
    assert response.status_code == 401
    assert response.json() == {"errorText": "Access is denied"}


def test_tokens_expire_after_their_lifetime(tv: Driver) -> None:
    tv.clock.advance(5399)
    assert tv.call("GET", "live", "/user/list").status_code == 200
    tv.clock.advance(1)
    assert tv.call("GET", "live", "/user/list").status_code == 401


def test_renewal_issues_a_new_token_and_retires_the_old_one(tv: Driver) -> None:
    tv.clock.advance(5000)
    renewed = tv.call("GET", "live", "/auth/renewaccesstoken").json()
    assert renewed["accessToken"] != tv.token
    assert renewed["expirationTime"] == "2026-01-07T14:53:20.000Z"
    assert tv.call("GET", "live", "/user/list").status_code == 401
    tv.clock.advance(1000)
    assert tv.call("GET", "live", "/user/list", token=renewed["accessToken"]).status_code == 200


def test_renewal_does_not_open_a_session(tv: Driver) -> None:
    """Renewing twice and logging in once more still leaves the renewed session open."""
    renewed = tv.call("GET", "live", "/auth/renewaccesstoken").json()["accessToken"]
    renewed = tv.call("GET", "live", "/auth/renewaccesstoken", token=renewed).json()["accessToken"]
    tv.login()
    assert tv.call("GET", "live", "/user/list", token=renewed).status_code == 200


def test_a_third_session_closes_the_oldest_whose_token_then_meets_408(tv: Driver) -> None:
    second = tv.login().json()["accessToken"]
    third = tv.login().json()["accessToken"]
    closed = tv.call("GET", "live", "/user/list")
    assert (closed.status_code, closed.json()) == (408, {"errorText": "Session closed"})
    assert tv.call("GET", "live", "/auth/renewaccesstoken").status_code == 408
    for token in (second, third):
        assert tv.call("GET", "live", "/user/list", token=token).status_code == 200


@pytest.mark.parametrize(
    ("domain", "method", "path", "body", "text"),
    [
        ("demo", "POST", "/user/createevaluationusers", {"users": [user("x1x")]}, "live"),
        ("demo", "GET", "/user/list", None, "live"),
        ("demo", "POST", "/contactInfo/updatecontactinfo", {"userId": 1}, "live"),
        ("demo", "POST", "/userPlugin/addentitlementsubscription", {"entitlementId": 85}, "live"),
        ("demo", "GET", "/adminAlertSignal/deps?masterid=70", None, "live"),
        (
            "live",
            "POST",
            "/user/createevaluationaccounts",
            {"accounts": [account(1, "AB1")]},
            "demo",
        ),
        ("live", "GET", "/tradingPermission/list", None, "demo"),
        ("live", "POST", "/user/revoketradingpermissions", {"tradingPermissionIds": []}, "demo"),
        ("live", "POST", "/userAccountAutoLiq/updateuserautoliqs", {"items": []}, "demo"),
    ],
    ids=[
        "create-users",
        "user-list",
        "contact",
        "entitle",
        "signals",
        "create-accounts",
        "permission-list",
        "revoke",
        "autoliq",
    ],
)
def test_endpoints_refuse_the_other_domain(
    tv: Driver, domain: str, method: str, path: str, body: Any, text: str
) -> None:
    response = tv.call(method, domain, path, json=body)
    assert response.status_code == 200
    assert response.json() == {
        "errorText": f"This endpoint should be called on {text}.tradovateapi.com"
    }
    assert tv.call("GET", "live", "/user/find?name=x1x").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/live/v1/user/createEvaluationUsers",
        "/live/v1/USER/CREATEEVALUATIONUSERS",
        "/LIVE/V1/user/createevaluationusers",
        "/live/v1/user/createevaluationusers/",
    ],
    ids=["camel", "upper", "upper-prefix", "trailing-slash"],
)
def test_paths_match_ignoring_case(tv: Driver, path: str) -> None:
    response = tv.http.post(
        tv.server.url + path,
        json={"users": [user("casey")]},
        headers={"Authorization": f"Bearer {tv.token}"},
    )
    assert response.json()["results"][0]["userId"] >= 10000


@pytest.mark.parametrize(
    "path",
    ["/live/v1/contract/find?name=ESZ6", "/demo/v1/product/find?name=ES", "/live/v1/nothing", "/x"],
)
def test_unknown_routes_answer_404_with_the_platform_error_shape(tv: Driver, path: str) -> None:
    response = tv.http.get(tv.server.url + path, headers={"Authorization": f"Bearer {tv.token}"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"errorText": "Unknown operation"}


def test_a_missing_entity_still_answers_404_with_an_empty_body(tv: Driver) -> None:
    response = tv.call("GET", "live", "/user/item?id=424242")
    assert (response.status_code, response.content) == (404, b"")


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]"], ids=["syntax", "not-an-object"])
def test_malformed_bodies_answer_400(tv: Driver, body: bytes) -> None:
    response = tv.http.post(
        tv.server.live_url + "/user/createevaluationusers",
        content=body,
        headers={"Authorization": f"Bearer {tv.token}"},
    )
    assert response.status_code == 400
    assert response.json() == {"errorText": "Malformed JSON"}


def test_non_admin_users_may_not_run_admin_operations(tv: Driver) -> None:
    tv.create_user("plain1")
    token = tv.login("plain1", "correct-horse-1", sec="").json()["accessToken"]
    response = tv.call(
        "POST", "live", "/user/createevaluationusers", json={"users": [user("plain2")]}, token=token
    )
    assert response.status_code == 401
