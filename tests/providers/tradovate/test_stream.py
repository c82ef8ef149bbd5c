"""SignatureStream against the sandbox over a real WebSocket: subscription and catch-up, live
signatures, heartbeats, silence, reconnects with backoff, token renewal, closed sessions."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from reconciler.providers.base import PreconditionMet, StreamStatus, WatchEvent, WatchOptions
from reconciler.providers.http import make_http_client
from reconciler.providers.tradovate.client import TradovateClient
from reconciler.providers.tradovate.config import Credentials
from reconciler.providers.tradovate.models import EvaluationUser
from reconciler.providers.tradovate.sandbox import (
    DEFAULT_ADMIN,
    SandboxConfig,
    SandboxServer,
    serve_sandbox,
)
from reconciler.providers.tradovate.sandbox.config import EndpointLimit, Limits
from reconciler.providers.tradovate.signatures import SignalBook
from reconciler.providers.tradovate.stream import MAX_MESSAGE, SignatureStream, websocket_url

QUICK = WatchOptions(
    backoff_initial=0.05, backoff_max=0.4, heartbeat=0.1, silence_timeout=2.0, jitter=lambda: 1.0
)


class ShiftedClock:
    """Real time plus an offset the test moves (shared by the sandbox and the client)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class Harness:
    server: SandboxServer
    client: TradovateClient
    book: SignalBook
    clock: ShiftedClock
    events: queue.Queue[WatchEvent] = field(default_factory=queue.Queue)

    def admin(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.post(f"{self.server.url}/_sandbox/{path}", json=body or {})
        response.raise_for_status()
        return response.json()

    def requests(self) -> list[tuple[str, str, int]]:
        log = httpx.get(f"{self.server.url}/_sandbox/requests").json()
        return [(r["method"], r["path"].split("/v1", 1)[-1], r["status"]) for r in log]

    def expect(self, wanted: Callable[[WatchEvent], bool], timeout: float = 5.0) -> WatchEvent:
        """The first event satisfying `wanted` (others are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            event = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            if wanted(event):
                return event

    @contextmanager
    def streaming(
        self, options: WatchOptions = QUICK, *, max_message: int = MAX_MESSAGE
    ) -> Iterator[None]:
        stream = SignatureStream(
            url=websocket_url(self.server.live_url),
            client=self.client,
            alert_id=70,
            book=self.book,
            clock=self.clock,
            max_message=max_message,
        )
        stop = threading.Event()
        thread = threading.Thread(
            target=stream.run, args=(self.events.put,), kwargs={"stop": stop, "options": options}
        )
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(5)
            assert not thread.is_alive()


def connected(event: WatchEvent) -> bool:
    return isinstance(event, StreamStatus) and event.connected


def lost(event: WatchEvent) -> bool:
    return isinstance(event, StreamStatus) and not event.connected


def signed(event: WatchEvent) -> bool:
    return isinstance(event, PreconditionMet)


@contextmanager
def harness(config: SandboxConfig | None = None) -> Iterator[Harness]:
    clock = ShiftedClock()
    credentials = Credentials(
        name=DEFAULT_ADMIN[0], password=SecretStr(DEFAULT_ADMIN[1]), sec=SecretStr(DEFAULT_ADMIN[2])
    )
    with serve_sandbox(config, clock=clock) as server:
        client = TradovateClient(
            live=make_http_client(server.live_url),
            demo=make_http_client(server.demo_url),
            credentials=credentials,
            clock=clock,
        )
        with client:
            yield Harness(server, client, SignalBook(), clock)


@pytest.fixture
def tv() -> Iterator[Harness]:
    with harness(SandboxConfig(socket_heartbeat=0.2, socket_idle_timeout=0.5)) as driver:
        yield driver


def create_user(tv: Harness, name: str) -> int:
    user = EvaluationUser(
        name=name,
        email=f"{name}@example.com",
        password=SecretStr("correct-horse-1"),
        first_name="Test",
        last_name="Trader",
    )
    (outcome,) = tv.client.create_users([user])
    assert outcome.user_id is not None
    return outcome.user_id


def test_websocket_urls_follow_the_rest_base() -> None:
    assert websocket_url("https://live.tradovateapi.com/v1") == (
        "wss://live.tradovateapi.com/v1/websocket"
    )
    assert (
        websocket_url("http://127.0.0.1:8000/live/v1/") == "ws://127.0.0.1:8000/live/v1/websocket"
    )


def test_a_live_signature_is_reported_once_with_the_signer_named(tv: Harness) -> None:
    user_id = create_user(tv, "Live.Signer")
    with tv.streaming():
        tv.expect(connected)
        assert tv.book.snapshot() == []
        tv.admin("users/live.signer/sign-mda")
        event = tv.expect(signed)
    assert event == PreconditionMet(
        kind="tradovate_user",
        remote_id=str(user_id),
        natural_key="live.signer",
        facts={"mda_signed": True},
        unblocks=("tradovate_entitlement",),
        detail="signed the Market Data Agreement",
        caught_up=False,
    )
    assert [s.related_to_user_id for s in tv.book.snapshot() or []] == [user_id]
    calls = tv.requests()
    assert calls.count(("GET", "/adminalertsignal/deps", 200)) == 1
    assert ("WS", "/authorize", 200) in calls
    assert ("WS", "/user/syncrequest", 200) in calls


def test_heartbeats_keep_one_connection_past_the_idle_timeout(tv: Harness) -> None:
    create_user(tv, "patient")
    with tv.streaming():
        tv.expect(connected)
        time.sleep(1.2)  # more than twice the sandbox's idle timeout
        tv.admin("users/patient/sign-mda")
        event = tv.expect(signed)
        assert isinstance(event, PreconditionMet)
        assert not event.caught_up
    assert tv.requests().count(("WS", "/websocket", 101)) == 1


def test_a_silent_platform_is_dropped_and_reconnected() -> None:
    config = SandboxConfig(socket_heartbeat=30.0, socket_idle_timeout=30.0)
    with (
        harness(config) as tv,
        tv.streaming(WatchOptions(heartbeat=0.05, silence_timeout=0.3, backoff_initial=0.05)),
    ):
        tv.expect(connected)
        event = tv.expect(lost)
        assert isinstance(event, StreamStatus)
        assert event.detail == "the platform sent nothing for 0.3 s"
        tv.expect(connected)


def test_a_signature_made_during_an_outage_is_caught_up_after_backoff(tv: Harness) -> None:
    create_user(tv, "outage")
    with tv.streaming():
        tv.expect(connected)
        tv.admin("websockets/drop", {"refuse_seconds": 0.6})
        tv.admin("users/outage/sign-mda")
        retries = []
        while not connected(event := tv.expect(lambda e: isinstance(e, StreamStatus))):
            assert isinstance(event, StreamStatus)
            retries.append(event.retry_in)
        caught = [e for e in list(tv.events.queue) if signed(e)]
    assert retries[:4] == [0.05, 0.1, 0.2, 0.4]  # doubling (jitter factor 1), capped at 0.4
    assert set(retries[4:]) <= {0.4}
    assert len(caught) <= 1
    calls = tv.requests()
    assert calls.count(("GET", "/adminalertsignal/deps", 200)) == 2
    assert calls.count(("WS", "/websocket", 101)) == 2


def test_the_catch_up_reports_the_missed_signature(tv: Harness) -> None:
    create_user(tv, "early")
    tv.admin("users/early/sign-mda")
    with tv.streaming():
        event = tv.expect(signed)
        assert isinstance(event, PreconditionMet)
        assert event.caught_up
        status = tv.expect(connected)
    assert status == StreamStatus("tradovate", True, "subscribed; 1 signature(s) to catch up")


def test_the_token_is_renewed_before_expiry_and_the_socket_stays(tv: Harness) -> None:
    create_user(tv, "renewer")
    with tv.streaming():
        tv.expect(connected)
        tv.clock.offset += 5000  # past the renewal point (15 min before the 90 min expiry)
        deadline = time.monotonic() + 5
        while ("GET", "/auth/renewaccesstoken", 200) not in tv.requests():
            assert time.monotonic() < deadline, "no renewal"
            time.sleep(0.05)
        tv.clock.offset += 1000  # past the first token's expiry: only renewal keeps the session
        time.sleep(0.3)
        tv.admin("users/renewer/sign-mda")
        event = tv.expect(signed)
        assert isinstance(event, PreconditionMet)
        assert not event.caught_up
    calls = tv.requests()
    assert calls.count(("WS", "/websocket", 101)) == 1
    assert calls.count(("POST", "/auth/accesstokenrequest", 200)) == 1


def test_a_session_closed_by_newer_logins_is_opened_again(tv: Harness) -> None:
    create_user(tv, "resumer")
    credentials = {"name": DEFAULT_ADMIN[0], "password": DEFAULT_ADMIN[1], "sec": DEFAULT_ADMIN[2]}
    with tv.streaming():
        tv.expect(connected)
        for _ in range(2):  # a third and fourth login close our session, the oldest
            httpx.post(f"{tv.server.live_url}/auth/accesstokenrequest", json=credentials)
        event = tv.expect(lost)
        assert isinstance(event, StreamStatus)
        assert event.detail == "the platform closed the connection: Session closed (3002)"
        tv.expect(connected)
        tv.admin("users/resumer/sign-mda")
        event = tv.expect(signed)
        assert isinstance(event, PreconditionMet)
        assert not event.caught_up
    calls = tv.requests()
    authorize = [c for c in calls if c[1] == "/authorize"]
    assert authorize == [
        ("WS", "/authorize", 200),
        ("WS", "/authorize", 408),
        ("WS", "/authorize", 200),
    ]
    assert calls.count(("POST", "/auth/accesstokenrequest", 200)) == 4


def test_a_throttled_syncrequest_waits_the_penalty_time() -> None:
    limits = Limits(endpoints={"user/syncrequest": EndpointLimit(1, 3, counts_success=True)})
    with harness(SandboxConfig(limits=limits)) as tv, tv.streaming():
        tv.expect(connected)
        tv.admin("websockets/drop")
        tv.expect(lost)
        event = tv.expect(lost)
    assert isinstance(event, StreamStatus)
    assert event.detail == "user/syncrequest throttled (penalty ticket)"
    assert event.retry_in == 3.0


WEBSOCKETS_DEFAULT = 2**20
"""The websockets client's default message limit, which a 10,000-trader snapshot exceeded."""
LARGE_FIRM = SandboxConfig(
    socket_heartbeat=0.2, socket_idle_timeout=0.5, sync_part_users=5, sync_user_padding=60_000
)
"""20 users of about 60 kB each: a snapshot over 1 MiB, in parts of 5 users when split."""


def create_users(tv: Harness, count: int) -> list[str]:
    users = [
        EvaluationUser(
            name=f"big.{n}",
            email=f"big{n}@example.com",
            password=SecretStr("correct-horse-1"),
            first_name="Big",
            last_name="Firm",
        )
        for n in range(count)
    ]
    assert all(o.user_id is not None for o in tv.client.create_users(users))
    return [u.name for u in users]


def test_a_large_firms_snapshot_comes_in_split_parts_within_the_limit() -> None:
    with harness(LARGE_FIRM) as tv:
        names = create_users(tv, 20)
        with tv.streaming(max_message=WEBSOCKETS_DEFAULT):
            tv.expect(connected)
            tv.admin(f"users/{names[-1]}/sign-mda")  # named in the last part
            event = tv.expect(signed)
        assert isinstance(event, PreconditionMet)
        assert event.natural_key == names[-1]


def test_a_message_over_the_limit_is_logged_with_the_close_code_we_sent() -> None:
    unsplit = SandboxConfig(
        socket_heartbeat=0.2, socket_idle_timeout=0.5, sync_part_users=0, sync_user_padding=60_000
    )
    with harness(unsplit) as tv:
        create_users(tv, 20)
        with tv.streaming(max_message=WEBSOCKETS_DEFAULT):
            event = tv.expect(lost)
        assert isinstance(event, StreamStatus)
        assert "sent close code 1009" in event.detail, event.detail
        with tv.streaming():  # the bounded default limit holds a snapshot this size
            tv.expect(connected)
