"""Tradovate's own injected faults (penalty tickets, a token expiring mid-apply, 429 lockouts)
and how the client answers them, over real HTTP on one fake clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from reconciler.errors import RateLimited
from reconciler.providers.http import make_http_client
from reconciler.providers.tradovate.client import TradovateClient
from reconciler.providers.tradovate.config import Credentials
from reconciler.providers.tradovate.models import EvaluationUser
from reconciler.providers.tradovate.sandbox import (
    DEFAULT_ADMIN,
    Fault,
    SandboxConfig,
    SandboxServer,
    serve_sandbox,
)
from tests.fakes import FakeClock as Clock

CREATE = "/live/v1/user/createevaluationusers"


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def server(clock: Clock) -> Iterator[SandboxServer]:
    with serve_sandbox(SandboxConfig(), clock=clock) as server:
        yield server


@pytest.fixture
def admin(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server.url}/_sandbox") as admin:
        admin.post("/faults/clear").raise_for_status()
        admin.post("/requests/clear").raise_for_status()
        yield admin


@pytest.fixture
def client(server: SandboxServer, clock: Clock, admin: httpx.Client) -> Iterator[TradovateClient]:
    name, password, sec = DEFAULT_ADMIN
    with TradovateClient(
        live=make_http_client(server.live_url),
        demo=make_http_client(server.demo_url),
        credentials=Credentials(name=name, password=SecretStr(password), sec=SecretStr(sec)),
        clock=clock,
        sleep=clock.sleep,
    ) as client:
        client.list_users()
        admin.post("/requests/clear").raise_for_status()
        clock.waits.clear()
        yield client


def arm(admin: httpx.Client, **fault: Any) -> None:
    admin.post("/faults", json=fault).raise_for_status()


def new_user() -> EvaluationUser:
    name = f"faulty{uuid.uuid4().hex[:8]}"
    return EvaluationUser(
        name=name,
        email=f"{name}@example.com",
        password=SecretStr("pw-Secret-4711"),
        first_name="Fault",
        last_name="Tester",
    )


def calls(admin: httpx.Client) -> list[tuple[str, int]]:
    log = [r for r in admin.get("/requests").json() if r["domain"] != "admin"]
    return [(r["path"].split("/v1/", 1)[1], r["status"]) for r in log]


def names(admin: httpx.Client) -> list[str]:
    return [u["name"] for u in admin.get("/world").json()["users"]]


@pytest.mark.parametrize("path", [CREATE, "/live/v1/user/list"], ids=["limited", "unlimited"])
def test_a_penalty_ticket_is_waited_out_and_the_resend_is_admitted(
    client: TradovateClient, admin: httpx.Client, clock: Clock, path: str
) -> None:
    arm(admin, method="*", path=path, effect="penalty", seconds=3)
    user = new_user()
    if path == CREATE:
        (outcome,) = client.create_users([user])
        assert outcome.error_text is None
        assert names(admin).count(user.name) == 1
    else:
        assert client.list_users()
    assert clock.waits == [3]
    route = path.split("/v1/", 1)[1]
    assert [c for c in calls(admin) if c[0] == route] == [(route, 200), (route, 200)]


def test_a_token_expiring_mid_apply_is_renewed_and_the_write_lands_once(
    client: TradovateClient, admin: httpx.Client
) -> None:
    arm(admin, method="POST", path=CREATE, effect="expire-token")
    user = new_user()
    (outcome,) = client.create_users([user])
    assert outcome.error_text is None
    assert names(admin).count(user.name) == 1
    assert calls(admin) == [
        ("user/createevaluationusers", 401),
        ("auth/accesstokenrequest", 200),
        ("user/createevaluationusers", 200),
    ]


def test_a_429_lockout_is_never_retried(
    client: TradovateClient, admin: httpx.Client, clock: Clock
) -> None:
    arm(admin, method="POST", path=CREATE, status=429, times=None)
    user = new_user()
    with pytest.raises(RateLimited):
        client.create_users([user])
    assert user.name not in names(admin)
    assert calls(admin) == [("user/createevaluationusers", 429)]
    assert clock.waits == []


def test_an_injected_5xx_carries_an_error_text(server: SandboxServer, admin: httpx.Client) -> None:
    arm(admin, method="GET", path="/live/v1/user/list", status=503)
    answer = httpx.get(f"{server.live_url}/user/list")
    assert (answer.status_code, answer.json()) == (503, {"errorText": "Internal server error"})


def test_faults_can_be_armed_at_start(clock: Clock) -> None:
    config = SandboxConfig(faults=(Fault(method="GET", status=502),))
    with serve_sandbox(config, clock=clock) as server:
        first = httpx.get(f"{server.live_url}/user/list")
        second = httpx.get(f"{server.live_url}/user/list")
    assert (first.status_code, second.status_code) == (502, 401)


def test_only_tradovate_knows_its_own_effects(admin: httpx.Client) -> None:
    from reconciler.providers.tradervue.sandbox import serve_sandbox as serve_tradervue

    assert admin.post("/faults", json={"effect": "penalty"}).status_code == 200
    with serve_tradervue() as other:
        refused = httpx.post(f"{other.url}/_sandbox/faults", json={"effect": "penalty"})
    assert refused.status_code == 400
