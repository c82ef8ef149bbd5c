"""Session mechanics under transport faults, provoked with httpx.MockTransport: retries of
reads and authentication only, 429, penalty tickets, token handling and secret hygiene."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from reconciler.errors import ProviderRejected, ProviderUnavailable, RateLimited
from reconciler.providers.http import make_http_client
from reconciler.providers.tradovate.config import Credentials
from reconciler.providers.tradovate.session import Session
from tests.fakes import FakeClock as Clock

PASSWORD = "pw-Secret-4711"
SEC = "sec-Secret-0815"
CREDENTIALS = Credentials(
    name="firm_admin", password=SecretStr(PASSWORD), sec=SecretStr(SEC), app_id="test"
)
Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Script:
    """Answers requests from per-path queues (the last answer repeats) and records them."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.queues: dict[str, list[Answer]] = {}
        self.requests: list[httpx.Request] = []
        self.issued = 0

    def on(self, path: str, *answers: Answer) -> None:
        self.queues[path] = list(answers)

    def token(self, request: httpx.Request, *, ttl: float = 5400) -> httpx.Response:
        self.issued += 1
        expiry = datetime.fromtimestamp(self.clock.now + ttl, UTC).isoformat()
        body = {"accessToken": f"tok-{self.issued}", "expirationTime": expiry, "userId": 1}
        return httpx.Response(200, json=body)

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path.split('/v1', 1)[1]}" for r in self.requests]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.split("/v1", 1)[1]
        queue = self.queues.get(path)
        if queue is None:
            if path == "/auth/accesstokenrequest":
                return self.token(request)
            return httpx.Response(404)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def script(clock: Clock) -> Script:
    return Script(clock)


@pytest.fixture
def session(clock: Clock, script: Script) -> Iterator[Session]:
    transport = httpx.MockTransport(script)
    live = make_http_client("https://live.test/v1", transport=transport)
    demo = make_http_client("https://demo.test/v1", transport=transport)
    session = Session(
        live=live,
        demo=demo,
        credentials=CREDENTIALS,
        clock=clock,
        sleep=clock.sleep,
        renew_margin=900,
        max_ticket_rounds=3,
        read_attempts=3,
        jitter=lambda: 1.0,
    )
    yield session
    session.close()


def ok(payload: Any) -> httpx.Response:
    return httpx.Response(200, json=payload)


def test_read_retried_after_connection_error_then_succeeds(
    session: Session, script: Script, clock: Clock
) -> None:
    script.on("/user/list", httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), ok([]))
    assert session.call("live", "GET", "/user/list") == []
    assert script.paths().count("GET /user/list") == 3
    assert clock.waits == [0.5, 1.0]  # exponential backoff (jitter pinned to its maximum)


def test_read_gives_up_after_read_attempts(session: Session, script: Script) -> None:
    script.on("/account/list", httpx.ConnectError("refused"))
    with pytest.raises(ProviderUnavailable) as caught:
        session.call("demo", "GET", "/account/list")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert caught.value.operation == "/account/list"
    assert script.paths().count("GET /account/list") == 3


@pytest.mark.parametrize(
    "fault",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.Response(502)],
    ids=["connection-error", "timeout", "http-502"],
)
def test_write_is_never_repeated_after_a_transient_fault(
    session: Session, script: Script, clock: Clock, fault: Answer
) -> None:
    script.on("/user/createevaluationusers", fault, ok({"results": []}))
    with pytest.raises(ProviderUnavailable):
        session.call("live", "POST", "/user/createevaluationusers", body={"users": []})
    assert script.paths().count("POST /user/createevaluationusers") == 1
    assert clock.waits == []


def test_server_error_on_read_is_retried(session: Session, script: Script) -> None:
    script.on("/entitlement/list", httpx.Response(503), ok([{"id": 1}]))
    assert session.call("live", "GET", "/entitlement/list") == [{"id": 1}]


def test_authentication_is_retried_after_a_transient_fault(
    session: Session, script: Script
) -> None:
    script.on("/auth/accesstokenrequest", httpx.Response(500), script.token)
    script.on("/user/list", ok([]))
    session.call("live", "POST", "/user/list", body={})
    assert script.paths() == [
        "POST /auth/accesstokenrequest",
        "POST /auth/accesstokenrequest",
        "POST /user/list",
    ]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_429_raises_rate_limited_at_once(
    session: Session, script: Script, clock: Clock, method: Any
) -> None:
    script.on("/user/list", httpx.Response(429), ok([]))
    with pytest.raises(RateLimited) as caught:
        session.call("live", method, "/user/list", body=None if method == "GET" else {})
    assert caught.value.retry_after is None
    assert "hour" in str(caught.value)
    assert script.paths().count(f"{method} /user/list") == 1
    assert clock.waits == []


def test_penalty_ticket_waits_then_resends_identical_body_with_ticket(
    session: Session, script: Script, clock: Clock
) -> None:
    ticket = {"p-ticket": "tkt-abc", "p-time": 7}
    script.on("/contactInfo/updatecontactinfo", ok(ticket), ok({"contactInfo": None}))
    session.call("live", "POST", "/contactInfo/updatecontactinfo", body={"userId": 5})
    sent = [r for r in script.requests if r.url.path.endswith("updatecontactinfo")]
    assert [r.read() for r in sent] == [b'{"userId":5}', b'{"userId":5,"p-ticket":"tkt-abc"}']
    assert clock.waits == [7]


def test_penalty_ticket_on_a_read_goes_into_the_query(session: Session, script: Script) -> None:
    script.on("/user/list", ok({"p-ticket": "tkt-q", "p-time": 1}), ok([]))
    session.call("live", "GET", "/user/list", params={"a": "1"})
    last = script.requests[-1]
    assert dict(last.url.params) == {"a": "1", "p-ticket": "tkt-q"}


def test_penalty_tickets_beyond_max_rounds_raise_rate_limited(
    session: Session, script: Script, clock: Clock
) -> None:
    script.on("/user/createevaluationusers", ok({"p-ticket": "t", "p-time": 2}))
    with pytest.raises(RateLimited) as caught:
        session.call("live", "POST", "/user/createevaluationusers", body={"users": []})
    assert clock.waits == [2, 2, 2]
    assert caught.value.retry_after == 2
    assert script.paths().count("POST /user/createevaluationusers") == 4


def test_captcha_ticket_stops_at_once(session: Session, script: Script, clock: Clock) -> None:
    captcha = ok({"p-ticket": "t", "p-time": 60, "p-captcha": True})
    script.on("/auth/accesstokenrequest", captcha)
    with pytest.raises(RateLimited, match="captcha"):
        session.call("live", "GET", "/user/list")
    assert clock.waits == []
    assert script.paths() == ["POST /auth/accesstokenrequest"]


def test_token_is_sent_only_as_bearer_header(session: Session, script: Script) -> None:
    script.on("/user/list", ok([]))
    session.call("live", "GET", "/user/list")
    session.call("demo", "POST", "/user/list", body={"x": 1})
    auth, *calls = script.requests
    assert "authorization" not in auth.headers
    for request in calls:
        assert request.headers["authorization"] == "Bearer tok-1"
        assert b"tok-1" not in request.read()
        assert "tok-1" not in str(request.url)


def test_token_renewed_within_margin_of_expiry(
    session: Session, script: Script, clock: Clock
) -> None:
    script.on("/auth/renewaccesstoken", script.token)
    script.on("/user/list", ok([]))
    session.call("live", "GET", "/user/list")
    clock.now += 5400 - 900 - 1
    session.call("live", "GET", "/user/list")
    clock.now += 2
    session.call("live", "GET", "/user/list")
    assert script.paths().count("GET /auth/renewaccesstoken") == 1
    assert script.requests[-1].headers["authorization"] == "Bearer tok-2"


def test_refused_renewal_falls_back_to_authentication(
    session: Session, script: Script, clock: Clock
) -> None:
    script.on("/auth/renewaccesstoken", ok({"errorText": "Access is denied"}))
    script.on("/user/list", ok([]))
    session.call("live", "GET", "/user/list")
    clock.now += 5000
    session.call("live", "GET", "/user/list")
    assert script.paths().count("POST /auth/accesstokenrequest") == 2


def test_short_token_lifetime_is_not_renewed_on_every_call(
    session: Session, script: Script, clock: Clock
) -> None:
    """A margin larger than the lifetime is clamped to half the lifetime."""
    script.on("/auth/accesstokenrequest", lambda r: script.token(r, ttl=600))
    script.on("/user/list", ok([]))
    session.call("live", "GET", "/user/list")
    session.call("live", "GET", "/user/list")
    assert "GET /auth/renewaccesstoken" not in script.paths()


def test_401_reauthenticates_once_and_repeats(session: Session, script: Script) -> None:
    script.on("/user/list", ok([]))
    session.call("live", "GET", "/user/list")
    script.on("/user/createevaluationusers", httpx.Response(401), ok({"results": []}))
    session.call("live", "POST", "/user/createevaluationusers", body={"users": []})
    assert script.paths()[-3:] == [
        "POST /user/createevaluationusers",
        "POST /auth/accesstokenrequest",
        "POST /user/createevaluationusers",
    ]


def test_401_on_the_first_call_after_sign_in_signs_in_again(
    session: Session, script: Script
) -> None:
    """A token just issued can lose its session before its first call: one more sign-in."""
    script.on("/user/list", httpx.Response(401), ok([]))
    assert session.call("live", "GET", "/user/list") == []
    assert script.paths() == [
        "POST /auth/accesstokenrequest",
        "GET /user/list",
        "POST /auth/accesstokenrequest",
        "GET /user/list",
    ]


def test_401_after_signing_in_again_is_rejected(session: Session, script: Script) -> None:
    script.on("/user/list", httpx.Response(401, json={"errorText": "Access is denied"}))
    with pytest.raises(ProviderRejected, match="even after signing in again: Access is denied"):
        session.call("live", "GET", "/user/list")
    assert script.paths().count("POST /auth/accesstokenrequest") == 2


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (ok({"errorText": "Incorrect username or password."}), "Incorrect username"),
        (httpx.Response(401), "HTTP 401"),
        (ok({"userId": 1}), "no access token"),
    ],
    ids=["error-text", "http-401", "no-token"],
)
def test_failed_authentication_is_rejected(
    session: Session, script: Script, answer: Answer, message: str
) -> None:
    script.on("/auth/accesstokenrequest", answer)
    with pytest.raises(ProviderRejected, match="authentication failed") as caught:
        session.call("live", "GET", "/user/list")
    assert message in str(caught.value)


def test_violations_are_listed_in_the_rejection(session: Session, script: Script) -> None:
    violation = {"constraint": "name", "value": "abc1", "description": "Bad name"}
    script.on(
        "/user/createevaluationaccounts", httpx.Response(400, json={"violations": [violation]})
    )
    with pytest.raises(ProviderRejected, match=r"HTTP 400: name='abc1': Bad name"):
        session.call("demo", "POST", "/user/createevaluationaccounts", body={"accounts": []})


def test_non_json_answer_is_unavailable(session: Session, script: Script) -> None:
    script.on("/user/list", httpx.Response(200, text="<html>proxy</html>"))
    with pytest.raises(ProviderUnavailable, match="not JSON"):
        session.call("live", "POST", "/user/list", body={})


def test_no_secret_reaches_logs_or_errors(
    session: Session, script: Script, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    script.on(
        "/auth/accesstokenrequest", ok({"p-ticket": "tkt-SECRET1", "p-time": 1}), script.token
    )
    script.on("/user/list", ok([]))
    session.call("live", "GET", "/user/list")
    write = "/user/createevaluationusers"
    script.on(write, httpx.Response(401), ok({"p-ticket": "tkt-SECRET2", "p-time": 1}), ok({}))
    session.call("live", "POST", write, body={"users": []})
    script.on(write, httpx.Response(401, json={"errorText": "Access is denied"}))
    with pytest.raises(ProviderRejected) as caught:
        session.call("live", "POST", write, body={"users": []})
    assert "POST /auth/accesstokenrequest" in script.paths()[-3:]  # the 401 path was taken
    text = caplog.text + str(caught.value) + repr(caught.value)
    for secret in (PASSWORD, SEC, "tok-1", "tok-2", "tok-3", "tkt-SECRET"):
        assert secret not in text
    assert "POST /v1/user/createevaluationusers -> 401" in caplog.text


def test_throttled_renewal_falls_back_to_a_new_token_request(
    session: Session, script: Script, clock: Clock
) -> None:
    script.on("/auth/renewaccesstoken", ok({"p-ticket": "t", "p-time": 15}))
    script.on("/user/list", ok([]))
    session.call("live", "GET", "/user/list")
    clock.now += 5000
    session.call("live", "GET", "/user/list")
    assert script.paths()[-3:] == [
        "GET /auth/renewaccesstoken",
        "POST /auth/accesstokenrequest",
        "GET /user/list",
    ]
    assert clock.waits == []
    assert script.requests[-1].headers["authorization"] == "Bearer tok-2"
