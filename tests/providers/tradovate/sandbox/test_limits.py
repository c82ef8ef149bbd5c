"""Sandbox rate limits over HTTP: endpoint-level penalty tickets (escalation, resend, captcha)
and user-level 429 lockouts."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import httpx
import pytest

from reconciler.providers.tradovate.sandbox import (
    EndpointLimit,
    Limits,
    SandboxConfig,
    UserLimit,
)
from tests.providers.tradovate.sandbox.test_app import Driver, running

HOUR = 3600.0


def bad_login(tv: Driver) -> dict[str, Any]:
    answer: dict[str, Any] = tv.login(password="wrong-password").json()
    return answer


def exhaust_logins(tv: Driver) -> None:
    for _ in range(5):
        assert "errorText" in bad_login(tv)


def creation_limited(per_hour: int, *, max_penalty: int = 3600) -> SandboxConfig:
    endpoints = {"user/createevaluationusers": EndpointLimit(per_hour, 1, counts_success=False)}
    limits = Limits(endpoints=MappingProxyType(endpoints), max_penalty_seconds=max_penalty)
    return SandboxConfig(limits=limits)


def empty_batch(tv: Driver, **extra: Any) -> httpx.Response:
    return tv.call("POST", "live", "/user/createevaluationusers", json={"users": [], **extra})


def test_failed_logins_past_the_limit_earn_a_penalty_ticket() -> None:
    with running(login=False) as tv:
        exhaust_logins(tv)
        response = tv.login()
        assert response.status_code == 200
        ticket = response.json()
        assert set(ticket) == {"p-ticket", "p-time", "p-captcha"}
        assert (ticket["p-time"], ticket["p-captcha"]) == (15, True)


def test_a_login_ticket_always_carries_a_captcha_and_admits_no_resend() -> None:
    with running(login=False) as tv:
        exhaust_logins(tv)
        tickets = [bad_login(tv) for _ in range(2)]
        assert [t.get("p-captcha") for t in tickets] == [True, True]
        tv.clock.advance(tickets[1]["p-time"])
        resend = tv.login(**{"p-ticket": tickets[1]["p-ticket"]}).json()
        assert "accessToken" not in resend
        assert resend.get("p-captcha") is True


def test_successful_logins_do_not_count_for_a_failed_only_limit() -> None:
    with running(login=False) as tv:
        for _ in range(8):
            assert "accessToken" in tv.login().json()


def test_the_endpoint_window_slides_after_an_hour() -> None:
    with running(login=False) as tv:
        exhaust_logins(tv)
        assert "p-ticket" in tv.login().json()
        tv.clock.advance(HOUR)
        assert "accessToken" in tv.login().json()


@pytest.mark.parametrize(
    ("max_penalty", "waits"), [(3600, [1, 2, 4, 8]), (5, [1, 2, 4, 5])], ids=["doubling", "capped"]
)
def test_p_time_doubles_with_each_ticket_of_the_hour(max_penalty: int, waits: list[int]) -> None:
    with running(creation_limited(1, max_penalty=max_penalty)) as tv:
        assert empty_batch(tv).json()["errorText"] == "Empty users"
        assert [empty_batch(tv).json()["p-time"] for _ in waits] == waits


def test_successful_calls_do_not_fill_a_failed_only_window() -> None:
    with running(creation_limited(1)) as tv:
        tv.create_user("first1")
        tv.create_user("second2")
        assert "errorText" in empty_batch(tv).json()
        assert "p-ticket" in empty_batch(tv).json()


def test_a_matured_ticket_admits_the_resend_once() -> None:
    with running(creation_limited(1)) as tv:
        empty_batch(tv)
        ticket = empty_batch(tv).json()
        tv.clock.advance(ticket["p-time"])
        assert empty_batch(tv, **{"p-ticket": ticket["p-ticket"]}).json() == {
            "errorText": "Empty users",
            "results": [],
        }
        reused = empty_batch(tv, **{"p-ticket": ticket["p-ticket"]}).json()
        assert set(reused) == {"p-ticket", "p-time"}
        assert reused["p-ticket"] != ticket["p-ticket"]


@pytest.mark.parametrize("early_by", [0.5, 1.0], ids=["half", "whole"])
def test_an_early_or_unknown_resend_gets_a_new_escalated_ticket(early_by: float) -> None:
    with running(creation_limited(1)) as tv:
        empty_batch(tv)
        ticket = empty_batch(tv).json()
        tv.clock.advance(ticket["p-time"] - early_by)
        again = empty_batch(tv, **{"p-ticket": ticket["p-ticket"]}).json()
        assert again["p-time"] == 2
        assert again["p-ticket"] != ticket["p-ticket"]
        unknown = empty_batch(tv, **{"p-ticket": "made-up"}).json()
        assert unknown["p-time"] == 4


def captcha_from_third_login_ticket() -> SandboxConfig:
    return SandboxConfig(limits=Limits(captcha_after_tickets=3))


def test_a_token_request_resend_may_carry_the_ticket_as_bearer() -> None:
    with running(captcha_from_third_login_ticket(), login=False) as tv:
        exhaust_logins(tv)
        ticket = tv.login().json()
        tv.clock.advance(ticket["p-time"])
        body = {"name": "sandbox_admin", "password": "sandbox-not-a-secret", "sec": "sandbox-sec"}
        response = tv.call(
            "POST", "live", "/auth/accesstokenrequest", json=body, token=ticket["p-ticket"]
        )
        assert "accessToken" in response.json()


def test_with_a_later_captcha_repeated_auth_failures_bring_one() -> None:
    with running(captcha_from_third_login_ticket(), login=False) as tv:
        exhaust_logins(tv)
        tickets = [bad_login(tv) for _ in range(3)]
        assert ["p-captcha" in t for t in tickets] == [False, False, True]
        assert tickets[2]["p-captcha"] is True
        assert [t["p-time"] for t in tickets] == [15, 30, 60]
        tv.clock.advance(tickets[2]["p-time"])
        resend = tv.login(**{"p-ticket": tickets[2]["p-ticket"]}).json()
        assert resend.get("p-captcha") is True


def test_exceeding_a_user_level_window_answers_429_and_locks_out() -> None:
    limits = Limits(anonymous=UserLimit(per_second=3, per_minute=1000, per_hour=1000))
    with running(SandboxConfig(limits=limits, lockout_seconds=60), login=False) as tv:
        for _ in range(3):
            assert tv.call("GET", "live", "/user/list", token=None).status_code == 401
        refused = tv.call("GET", "live", "/user/list", token=None)
        assert (refused.status_code, refused.content) == (429, b"")
        tv.clock.advance(30)
        assert tv.call("GET", "live", "/user/list", token=None).status_code == 429
        tv.clock.advance(59)
        assert tv.call("GET", "live", "/user/list", token=None).status_code == 429
        tv.clock.advance(61)
        assert tv.call("GET", "live", "/user/list", token=None).status_code == 401


def test_authenticated_callers_have_their_own_window() -> None:
    limits = Limits(authenticated=UserLimit(per_second=100, per_minute=3, per_hour=100))
    with running(SandboxConfig(limits=limits)) as tv:
        statuses = [tv.call("GET", "live", "/user/list").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert "accessToken" in tv.login().json()


def test_limited_answers_are_in_the_request_log() -> None:
    limits = Limits(anonymous=UserLimit(per_second=100, per_minute=6, per_hour=1000))
    with running(SandboxConfig(limits=limits), login=False) as tv:
        exhaust_logins(tv)
        tv.login()
        tv.login()
        logged = [(e["path"], e["status"]) for e in tv.requests()]
        assert logged == [("/live/v1/auth/accesstokenrequest", 200)] * 6 + [
            ("/live/v1/auth/accesstokenrequest", 429)
        ]


def test_renewals_count_even_when_they_succeed() -> None:
    """A GET resend carries its ticket in a JSON body, since its bearer is the access token."""
    with running() as tv:
        for _ in range(15):
            tv.token = tv.call("GET", "live", "/auth/renewaccesstoken").json()["accessToken"]
        ticket = tv.call("GET", "live", "/auth/renewaccesstoken").json()
        assert ticket["p-time"] == 15
        tv.clock.advance(15)
        body = {"p-ticket": ticket["p-ticket"]}
        assert "accessToken" in tv.call("GET", "live", "/auth/renewaccesstoken", json=body).json()


def test_the_admin_api_counts_tickets_and_refusals() -> None:
    limits = Limits(authenticated=UserLimit(per_second=100, per_minute=2, per_hour=100))
    with running(creation_limited(1)) as tv:
        empty_batch(tv)
        empty_batch(tv)  # a ticket
        assert tv.admin("GET", "/limits").json() == {"refused": 0, "tickets": 1}
    with running(SandboxConfig(limits=limits)) as tv:
        statuses = [tv.call("GET", "live", "/user/list").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert tv.admin("GET", "/limits").json() == {"refused": 1, "tickets": 0}


def test_an_endpoint_window_may_be_shorter_than_an_hour() -> None:
    endpoints = {
        "user/createevaluationusers": EndpointLimit(1, 1, counts_success=False, window_seconds=60)
    }
    config = SandboxConfig(limits=Limits(endpoints=MappingProxyType(endpoints)))
    with running(config) as tv:
        empty_batch(tv)
        assert "p-ticket" in empty_batch(tv).json()
        tv.clock.advance(61)
        assert empty_batch(tv).json()["errorText"] == "Empty users"
