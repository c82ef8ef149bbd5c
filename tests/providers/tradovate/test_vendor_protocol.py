"""Conformance of the sandbox with the documented client protocol: the exact HTTP bodies and
WebSocket frames a generic Tradovate client sends, as the platform's documents describe them
(the request frame `endpoint\\nid\\nquery\\nbody` with ids from 0, the token JSON-quoted or raw,
`undefined` for a request without a body, `[]` heartbeats, `"p-ticket"` added to the body of
a resend, `user/syncrequest` subscribing to `props`), and every answer decodable as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from reconciler.providers.tradovate.sandbox import (
    DEFAULT_ADMIN,
    EndpointLimit,
    Limits,
    SandboxConfig,
)
from tests.providers.tradovate.sandbox.test_app import Driver, running

FAST = SandboxConfig(socket_heartbeat=0.1, socket_idle_timeout=0.6)
VENDOR_LOGIN = {
    "name": DEFAULT_ADMIN[0],
    "password": DEFAULT_ADMIN[1],
    "appId": "Sample App",
    "appVersion": "1.0",
    "cid": 0,
    "sec": DEFAULT_ADMIN[2],
}
"""An AccessTokenRequest with the fields a partner's API key bundle holds (`cid` a number)."""


@pytest.fixture
def tv() -> Iterator[Driver]:
    with running(FAST) as driver:
        yield driver


@contextmanager
def opened(tv: Driver, domain: str = "live") -> Iterator[ClientConnection]:
    base = tv.server.live_url if domain == "live" else tv.server.demo_url
    with connect(base.replace("http://", "ws://") + "/websocket", ping_interval=None) as ws:
        assert ws.recv(timeout=5) == "o"
        yield ws


def reply(ws: ClientConnection, frame: str, request_id: int) -> dict[str, Any]:
    """Send one raw request frame; the answer to `request_id` (heartbeats answered with `[]`)."""
    ws.send(frame)
    while True:
        text = str(ws.recv(timeout=5))
        if text == "h":
            ws.send("[]")
        elif text.startswith("a"):
            for message in json.loads(text[1:]):
                if message.get("i") == request_id:
                    answer: dict[str, Any] = message
                    return answer


def authorized(tv: Driver, ws: ClientConnection) -> None:
    assert reply(ws, f"authorize\n0\n\n{json.dumps(tv.token)}", 0) == {"s": 200, "i": 0}


@pytest.mark.parametrize("quoted", [True, False], ids=["json-quoted", "raw"])
def test_authorize_accepts_the_token_json_quoted_and_raw(tv: Driver, quoted: bool) -> None:
    body = json.dumps(tv.token) if quoted else tv.token
    with opened(tv) as ws:
        assert reply(ws, f"authorize\n0\n\n{body}", 0) == {"s": 200, "i": 0}
        assert reply(ws, "user/list\n1\n\nundefined", 1)["s"] == 200


def test_authorize_with_a_quoted_unknown_token_is_denied(tv: Driver) -> None:
    with opened(tv) as ws:
        denied = reply(ws, 'authorize\n0\n\n"not-a-token"', 0)
        assert (denied["s"], denied["d"]) == (401, "Access is denied")


@pytest.mark.parametrize(
    "frame",
    ["account/list\n{id}\n\nundefined", "account/list\n{id}\n\n", "account/list\n{id}\n"],
    ids=["undefined", "empty", "absent"],
)
def test_a_request_without_a_body_means_no_parameters(tv: Driver, frame: str) -> None:
    expected = tv.demo("GET", "/account/list")
    with opened(tv, "demo") as ws:
        authorized(tv, ws)
        assert reply(ws, frame.format(id=1), 1) == {"s": 200, "i": 1, "d": expected}


def test_a_post_operation_takes_an_undefined_body_as_empty(tv: Driver) -> None:
    with opened(tv) as ws:
        authorized(tv, ws)
        answer = reply(ws, "user/syncrequest\n1\n\nundefined", 1)
        assert answer["s"] == 200
        assert [u["name"] for u in answer["d"]["users"]] == ["sandbox_admin"]


def test_a_body_that_is_not_json_is_still_malformed(tv: Driver) -> None:
    with opened(tv) as ws:
        authorized(tv, ws)
        answer = reply(ws, "user/syncrequest\n1\n\nundefinedx", 1)
        assert (answer["s"], answer["d"]) == (400, {"errorText": "Malformed JSON"})


def test_syncrequest_with_users_subscribes_and_heartbeats_keep_the_socket(tv: Driver) -> None:
    signer = tv.create_user("vendorsigner")
    with opened(tv) as ws:
        authorized(tv, ws)
        snapshot = reply(ws, 'user/syncrequest\n1\n\n{"users":[1]}', 1)
        assert snapshot["s"] == 200
        assert [u["id"] for u in snapshot["d"]["users"]] == [1]
        beats = 0
        while beats < 8:  # the server beats every 0.1 s: past the 0.6 s idle timeout
            frame = str(ws.recv(timeout=5))
            assert frame == "h", frame  # a `[]` heartbeat gets no answer
            ws.send("[]")
            beats += 1
        assert reply(ws, "user/list\n2\n\nundefined", 2)["s"] == 200
        signal = tv.admin("POST", "/users/vendorsigner/sign-mda").json()
        pushed = next_push(ws)
        assert pushed["e"] == "props"
        (change,) = pushed["d"]
        assert change["entity"]["adminAlertSignal"] == signal
        assert signal["relatedToUserId"] == signer


def next_push(ws: ClientConnection) -> dict[str, Any]:
    while True:
        text = str(ws.recv(timeout=5))
        if text == "h":
            ws.send("[]")
        elif text.startswith("a"):
            for message in json.loads(text[1:]):
                if "e" in message:
                    push: dict[str, Any] = message
                    return push


def sync_limited() -> SandboxConfig:
    endpoints = {"user/syncrequest": EndpointLimit(1, 3, counts_success=True)}
    limits = Limits(endpoints=MappingProxyType(endpoints))
    return SandboxConfig(limits=limits, socket_heartbeat=0.1, socket_idle_timeout=5)


def test_a_socket_resend_carries_the_p_ticket_in_its_body() -> None:
    with running(sync_limited()) as tv, opened(tv) as ws:
        authorized(tv, ws)
        body = {"users": [1]}
        assert reply(ws, f"user/syncrequest\n1\n\n{json.dumps(body)}", 1)["s"] == 200
        throttled = reply(ws, f"user/syncrequest\n2\n\n{json.dumps(body)}", 2)
        assert throttled["s"] == 200
        ticket = throttled["d"]
        assert set(ticket) == {"p-ticket", "p-time"}
        tv.clock.advance(ticket["p-time"])
        resend = json.dumps({**body, "p-ticket": ticket["p-ticket"]})
        admitted = reply(ws, f"user/syncrequest\n3\n\n{resend}", 3)
        assert [u["id"] for u in admitted["d"]["users"]] == [1]


def test_an_http_resend_carries_the_p_ticket_in_its_json_body() -> None:
    endpoints = {"user/createevaluationusers": EndpointLimit(1, 1, counts_success=False)}
    config = SandboxConfig(limits=Limits(endpoints=MappingProxyType(endpoints)))
    with running(config) as tv:
        assert "errorText" in tv.live("POST", "/user/createevaluationusers", {"users": []})
        ticket = tv.live("POST", "/user/createevaluationusers", {"users": []})
        tv.clock.advance(ticket["p-time"])
        resend = {"users": [], "p-ticket": ticket["p-ticket"]}
        assert tv.live("POST", "/user/createevaluationusers", resend) == {
            "errorText": "Empty users",
            "results": [],
        }


def test_a_login_penalty_carries_p_captcha() -> None:
    with running(login=False) as tv:
        wrong = {**VENDOR_LOGIN, "password": "wrong-password"}
        for _ in range(5):
            assert (
                "errorText"
                in tv.call(
                    "POST", "demo", "/auth/accesstokenrequest", json=wrong, token=None
                ).json()
            )
        penalty = tv.call("POST", "demo", "/auth/accesstokenrequest", json=wrong, token=None)
        assert penalty.json()["p-captcha"] is True


def test_the_vendor_login_body_and_the_token_answer(tv: Driver) -> None:
    answer = tv.call("POST", "demo", "/auth/accesstokenrequest", json=VENDOR_LOGIN, token=None)
    fields = answer.json()
    for name in ("accessToken", "expirationTime", "passwordExpirationTime", "userId", "name"):
        assert name in fields
    assert fields["userStatus"] == "Active"


@pytest.mark.parametrize(
    "path", ["/contract/find?name=MESZ6", "/contract/suggest?t=MES&l=5", "/product/find?name=ES"]
)
def test_routes_the_sandbox_does_not_serve_answer_json(tv: Driver, path: str) -> None:
    response = tv.call("GET", "demo", path)
    assert response.status_code == 404
    assert response.json() == {"errorText": "Unknown operation"}


def test_an_unknown_route_over_the_socket_answers_json(tv: Driver) -> None:
    with opened(tv, "demo") as ws:
        authorized(tv, ws)
        answer = reply(ws, "product/find\n1\nname=ES\nundefined", 1)
        assert answer == {"s": 404, "i": 1, "d": {"errorText": "Unknown operation"}}
