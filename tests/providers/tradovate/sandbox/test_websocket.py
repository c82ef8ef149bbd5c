"""The sandbox's user-data WebSocket over a real socket: framing, authorisation, heartbeats,
requests over the socket, syncrequest subscriptions, signature events, sessions and drops."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from reconciler.providers.tradovate.sandbox import SandboxConfig
from tests.providers.tradovate.sandbox.test_app import Driver, running

FAST = SandboxConfig(socket_heartbeat=0.1, socket_idle_timeout=0.6)


@pytest.fixture
def tv() -> Iterator[Driver]:
    with running(FAST) as driver:
        yield driver


@contextmanager
def socket(tv: Driver, domain: str = "live") -> Iterator[ClientConnection]:
    base = tv.server.live_url if domain == "live" else tv.server.demo_url
    with connect(base.replace("http://", "ws://") + "/websocket", ping_interval=None) as ws:
        assert ws.recv(timeout=5) == "o"
        yield ws


def ask(
    ws: ClientConnection, endpoint: str, request_id: int, body: str = "", query: str = ""
) -> Any:
    """Send one request; the reply to it (heartbeats skipped)."""
    ws.send(f"{endpoint}\n{request_id}\n{query}\n{body}")
    while True:
        frame = str(ws.recv(timeout=5))
        if frame.startswith("a"):
            for message in json.loads(frame[1:]):
                if message.get("i") == request_id:
                    return message


def next_push(ws: ClientConnection, timeout: float = 5) -> Any:
    """The next pushed message, answering the server's heartbeats meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        frame = str(ws.recv(timeout=max(0.0, deadline - time.monotonic())))
        if frame == "h":
            ws.send("[]")
        elif frame.startswith("a"):
            (message,) = json.loads(frame[1:])
            if "e" in message:
                return message


def until_closed(ws: ClientConnection, *, beat: bool = False) -> tuple[list[str], ConnectionClosed]:
    """Every frame up to the end of the connection, and how it ended (`beat`: answer `h`)."""
    frames: list[str] = []
    while True:
        try:
            frames.append(str(ws.recv(timeout=5)))
            if beat:
                ws.send("[]")
        except ConnectionClosed as closed:
            return frames, closed


def subscribed(ws: ClientConnection, tv: Driver) -> Any:
    assert ask(ws, "authorize", 1, tv.token) == {"s": 200, "i": 1}
    reply = ask(ws, "user/syncrequest", 2, json.dumps({"splitResponses": True}))
    assert reply["s"] == 200
    return reply["d"]


def test_requests_before_authorize_are_denied_and_a_bad_token_too(tv: Driver) -> None:
    with socket(tv) as ws:
        assert ask(ws, "user/syncrequest", 1, "{}") == {"s": 401, "i": 1, "d": "Access is denied"}
        assert ask(ws, "authorize", 2, "not-a-token")["s"] == 401
        assert ask(ws, "authorize", 3, tv.token) == {"s": 200, "i": 3}
        assert ask(ws, "adminAlertSignal/deps", 4, query="masterid=70") == {
            "s": 200,
            "i": 4,
            "d": [],
        }


def test_syncrequest_answers_the_org_users_and_validates_its_body(tv: Driver) -> None:
    user_id = tv.create_user("synced")
    with socket(tv) as ws:
        snapshot = subscribed(ws, tv)
        assert {u["name"] for u in snapshot["users"]} == {"sandbox_admin", "synced"}
        assert snapshot["contractGroups"] == []
        only = ask(ws, "user/syncrequest", 3, json.dumps({"users": [user_id]}))
        assert [u["id"] for u in only["d"]["users"]] == [user_id]
        bad = ask(ws, "user/syncrequest", 4, json.dumps({"splitResponses": "yes"}))
        assert bad["d"] == {"errorText": "splitResponses should be true or false"}
    rest = tv.live("POST", "/user/syncrequest", {"splitResponses": True})
    assert len(rest["users"]) == 2


def test_a_signature_is_pushed_to_subscribed_live_admin_sockets_only(tv: Driver) -> None:
    user_id = tv.create_user("signer")
    with socket(tv) as listening, socket(tv, "demo") as demo, socket(tv) as unsubscribed:
        subscribed(listening, tv)
        subscribed(demo, tv)
        assert ask(unsubscribed, "authorize", 1, tv.token)["s"] == 200
        signal = tv.admin("POST", "/users/signer/sign-mda").json()
        assert next_push(listening) == {
            "e": "props",
            "d": [
                {
                    "entityType": "OtherEnvAdminAlertSignal",
                    "eventType": "Created",
                    "entity": {"adminAlertSignal": signal},
                }
            ],
        }
        assert signal["relatedToUserId"] == user_id
        for silent in (demo, unsubscribed):  # signals are LIVE entities
            assert messages_until_reply(silent, 7) == []


def messages_until_reply(ws: ClientConnection, request_id: int) -> list[Any]:
    """Everything the server queued for this connection before the reply to a new request
    (a push queued earlier is delivered first): the pushes received meanwhile."""
    ws.send(f"adminAlertSignal/deps\n{request_id}\nmasterid=70\n")
    pushes: list[Any] = []
    while True:
        frame = str(ws.recv(timeout=5))
        for message in json.loads(frame[1:]) if frame.startswith("a") else []:
            if message.get("i") == request_id:
                return pushes
            pushes.append(message)


def test_the_server_beats_and_closes_a_silent_connection(tv: Driver) -> None:
    with socket(tv) as ws:
        frames, _ = until_closed(ws)
    assert frames[0] == "h"
    assert frames[-1] == 'c[3001,"Heartbeat timeout"]'


def test_client_heartbeats_keep_the_connection_open(tv: Driver) -> None:
    with socket(tv) as ws:
        subscribed(ws, tv)
        for _ in range(12):  # 1.2 s, twice the idle timeout
            ws.send("[]")
            with suppress(TimeoutError):
                assert ws.recv(timeout=0.1) == "h"
        assert ask(ws, "authorize", 9, tv.token)["s"] == 200


def test_a_third_login_closes_the_oldest_session_and_its_socket(tv: Driver) -> None:
    with socket(tv) as ws:
        subscribed(ws, tv)
        tv.login()
        tv.login()  # the admin now holds two newer sessions: ours was the oldest
        frames, _ = until_closed(ws, beat=True)
    assert frames[-1] == 'c[3002,"Session closed"]'


def test_a_renewed_token_keeps_the_socket(tv: Driver) -> None:
    with socket(tv) as ws:
        subscribed(ws, tv)
        renewed = tv.live("GET", "/auth/renewaccesstoken")
        assert renewed["accessToken"] != tv.token
        tv.clock.advance(3000)  # past the first token's lifetime, inside the renewed one's
        assert ask(ws, "adminAlertSignal/deps", 5, query="masterid=70")["s"] == 200


def test_drop_cuts_connections_and_refuses_new_ones_for_a_while(tv: Driver) -> None:
    with socket(tv) as ws:
        subscribed(ws, tv)
        assert tv.admin("GET", "/websockets").json() == [
            {"id": 1, "domain": "live", "userId": 1, "subscribed": True, "openedAt": tv.clock.now}
        ]
        assert tv.admin("POST", "/websockets/drop", {"refuse_seconds": 30}).json() == {"dropped": 1}
        frames, closed = until_closed(ws)
        assert not any(frame.startswith("c") for frame in frames)
        assert closed.rcvd is not None
        assert closed.rcvd.code == 1012
    with pytest.raises(InvalidStatus):
        connect(tv.server.live_url.replace("http://", "ws://") + "/websocket")
    tv.admin("POST", "/websockets/drop", {"refuse_seconds": 0})
    with socket(tv):
        pass
    paths = [(r["method"], r["path"], r["status"]) for r in tv.requests()]
    assert ("WS", "/live/v1/websocket", 403) in paths
    assert ("WS", "/live/v1/user/syncrequest", 200) in paths
    assert tv.admin("POST", "/websockets/drop", {"refuse_seconds": -1}).status_code == 400


def test_malformed_requests_get_a_400(tv: Driver) -> None:
    with socket(tv) as ws:
        ws.send("authorize\nnot-a-number\n\n")
        assert json.loads(str(ws.recv(timeout=5))[1:]) == [
            {"s": 400, "i": None, "d": "Malformed request"}
        ]
        assert ask(ws, "authorize", 1, tv.token)["s"] == 200
        assert ask(ws, "user/syncrequest", 2, "{not json")["d"] == {"errorText": "Malformed JSON"}
