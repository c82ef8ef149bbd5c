"""TraderPalClient against the sandbox over real HTTP (faults injected there), and against
httpx.MockTransport for transport failures. The client's sleep advances a fake clock."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from reconciler.errors import ProviderRejected, ProviderUnavailable, RateLimited
from reconciler.providers.http import make_http_client
from reconciler.providers.traderpal.client import (
    ApiKeyHeader,
    TraderPalClient,
    TraderPalRejected,
)
from reconciler.providers.traderpal.models import NewUser, UserChanges
from reconciler.providers.traderpal.sandbox import (
    DEFAULT_API_KEY,
    READ_ONLY_API_KEY,
    SandboxConfig,
    SandboxServer,
    serve_sandbox,
)
from tests.providers.traderpal.conftest import Admin, Clock, unique_email

FAKE_KEY = "tp_live_0123456789abcdef"


def new_user(**fields: Any) -> NewUser:
    values: dict[str, Any] = {
        "email": unique_email(),
        "first_name": "Ada",
        "last_name": "Lovelace",
        "date_of_birth": "1990-01-01",
        "country": "GB",
        "phone_number": "+442071234567",
    }
    values.update(fields)
    return NewUser(**values)


def connect(url: str, clock: Clock, **options: Any) -> TraderPalClient:
    options.setdefault("api_key", SecretStr(DEFAULT_API_KEY))
    return TraderPalClient(
        http=make_http_client(url), clock=clock, sleep=clock.sleep, jitter=lambda: 1.0, **options
    )


def mocked(
    handler: Callable[[httpx.Request], httpx.Response], clock: Clock, **options: Any
) -> TraderPalClient:
    options.setdefault("api_key", SecretStr(FAKE_KEY))
    http = make_http_client("http://traderpal.invalid", transport=httpx.MockTransport(handler))
    return TraderPalClient(http=http, clock=clock, sleep=clock.sleep, jitter=lambda: 1.0, **options)


def user_json(**fields: Any) -> dict[str, Any]:
    return {"userId": "usr_abcdefghijkl", "email": "ada@example.com", **fields}


@pytest.fixture
def capture(sandbox: SandboxServer, clock: Clock) -> Iterator[tuple[TraderPalClient, list[Any]]]:
    """A client whose request bodies are recorded (as parsed JSON) on their way out."""
    bodies: list[Any] = []

    def record(request: httpx.Request) -> None:
        bodies.append(json.loads(request.content) if request.content else None)

    http = httpx.Client(base_url=sandbox.base_url, event_hooks={"request": [record]})
    with TraderPalClient(http=http, api_key=SecretStr(DEFAULT_API_KEY), clock=clock) as client:
        yield client, bodies


# --- happy paths ---------------------------------------------------------------------------


def test_create_returns_the_pending_user(client: TraderPalClient) -> None:
    created = client.create_user(new_user(email="Ada.Lovelace+1@Example.com"))
    assert created.user_id.startswith("usr_")
    assert created.email == "Ada.Lovelace+1@Example.com"
    assert created.status == "pending_verification"
    assert created.is_verified is False
    assert created.verification_status is not None
    assert created.verification_status.identity == "pending"


def test_create_sends_an_idempotency_key_so_a_resent_create_is_replayed(
    sandbox: SandboxServer, admin: Admin, clock: Clock
) -> None:
    user = new_user()
    with connect(sandbox.base_url, clock, new_key=lambda: "fixed-key-" + user.email) as client:
        first = client.create_user(user)
        second = client.create_user(user)
    assert second == first
    assert admin.calls() == ["POST /v1/users", "POST /v1/users"]


def test_update_sends_only_the_fields_given(capture: tuple[TraderPalClient, list[Any]]) -> None:
    client, bodies = capture
    created = client.create_user(new_user())
    updated = client.update_user(created.user_id, UserChanges(last_name="Byron", country=None))
    assert bodies[-1] == {"lastName": "Byron", "country": None}
    assert (updated.last_name, updated.country, updated.first_name) == ("Byron", None, "Ada")


def test_get_user(client: TraderPalClient) -> None:
    created = client.create_user(new_user())
    found = client.get_user(created.user_id)
    assert found.user_id == created.user_id
    assert found.shown("phone_number")


def test_list_users_pages_through_everything_1000_at_a_time(clock: Clock) -> None:
    with (
        serve_sandbox(SandboxConfig(seed_users=2500), clock=clock) as server,
        connect(server.base_url, clock) as client,
    ):
        users = client.list_users()
        log = httpx.get(f"{server.url}/_sandbox/requests").json()
    assert len({u.email for u in users}) == 2500
    assert [(e["path"], e["query"]) for e in log] == [
        ("/v1/users", "limit=1000&offset=0"),
        ("/v1/users", "limit=1000&offset=1000"),
        ("/v1/users", "limit=1000&offset=2000"),
    ]


def test_list_users_with_small_pages_and_a_status_filter(
    client: TraderPalClient, admin: Admin
) -> None:
    for _ in range(3):
        client.create_user(new_user())
    closed = client.create_user(new_user())
    client.update_user(closed.user_id, UserChanges(status="closed"))
    admin.post("/requests/clear")
    pending = client.list_users(status="pending", page_size=2)
    everyone = client.list_users(page_size=2)
    assert {u.status for u in pending} == {"pending_verification"}
    assert closed.user_id in {u.user_id for u in everyone}
    pages = math.ceil(len(pending) / 2) + math.ceil(len(everyone) / 2)
    assert len(admin.requests()) == pages  # metadata.total spares a last, empty page


# --- rejections ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("duplicate", (409, "email_exists", "email")),
        ("underage", (422, "invalid_user_data", "dateOfBirth")),
        ("unknown-user", (404, "not_found", None)),
        ("bad-country", (422, "invalid_user_data", "country")),
        ("pending-to-active", (409, "invalid_state_transition", "status")),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_4xx_answers_are_rejections_with_the_platform_code(
    client: TraderPalClient, call: str, expected: tuple[int, str, str | None]
) -> None:
    user = client.create_user(new_user())
    actions: dict[str, Callable[[], object]] = {
        "duplicate": lambda: client.create_user(new_user(email=user.email.upper())),
        "underage": lambda: client.create_user(new_user(date_of_birth="2015-01-01")),
        "unknown-user": lambda: client.get_user("usr_doesnotexist1"),
        "bad-country": lambda: client.update_user(user.user_id, UserChanges(country="gb")),
        "pending-to-active": lambda: client.update_user(user.user_id, UserChanges(status="active")),
    }
    with pytest.raises(TraderPalRejected) as caught:
        actions[call]()
    assert (caught.value.status, caught.value.code, caught.value.field) == expected
    assert caught.value.provider == "traderpal"


def test_a_wrong_api_key_is_rejected_without_showing_it(
    sandbox: SandboxServer, admin: Admin, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with (
        connect(sandbox.base_url, clock, api_key=SecretStr(FAKE_KEY)) as client,
        pytest.raises(ProviderRejected) as caught,
    ):
        client.list_users()
    assert "unauthorized" in str(caught.value)
    assert FAKE_KEY not in str(caught.value)
    assert FAKE_KEY not in caplog.text
    assert FAKE_KEY not in repr(client.__dict__)


def test_a_read_only_key_may_not_create(sandbox: SandboxServer, admin: Admin, clock: Clock) -> None:
    with (
        connect(sandbox.base_url, clock, api_key=SecretStr(READ_ONLY_API_KEY)) as client,
        pytest.raises(TraderPalRejected) as caught,
    ):
        client.create_user(new_user())
    assert (caught.value.status, caught.value.code) == (403, "forbidden")


# --- rate limits and unavailability ---------------------------------------------------------


def test_429_is_resent_after_retry_after(
    client: TraderPalClient, admin: Admin, clock: Clock
) -> None:
    admin.post("/faults", {"method": "GET", "status": 429, "times": 2, "retry_after": 7})
    assert client.list_page().metadata is not None
    assert clock.waits == [7.0, 7.0]


def test_a_write_answered_429_is_sent_again_and_lands_once(
    client: TraderPalClient, admin: Admin, clock: Clock
) -> None:
    admin.post("/faults", {"method": "POST", "status": 429, "times": 1, "retry_after": 3})
    user = client.create_user(new_user())
    assert clock.waits == [3.0]
    assert [(r["method"], r["status"]) for r in admin.requests()] == [
        ("POST", 429),
        ("POST", 201),
    ]
    assert admin.user(user.email)["userId"] == user.user_id


def test_429_that_persists_raises_rate_limited_with_retry_after(
    client: TraderPalClient, admin: Admin, clock: Clock
) -> None:
    admin.post("/faults", {"method": "GET", "status": 429, "times": None, "retry_after": 7})
    with pytest.raises(RateLimited) as caught:
        client.list_page()
    assert caught.value.retry_after == 7.0
    assert clock.waits == [7.0, 7.0]
    assert len(admin.requests()) == 3


def test_a_retry_after_beyond_the_patience_raises_at_once(
    client: TraderPalClient, admin: Admin, clock: Clock
) -> None:
    admin.post("/faults", {"method": "GET", "status": 429, "times": 1, "retry_after": 3600})
    with pytest.raises(RateLimited) as caught:
        client.list_page()
    assert caught.value.retry_after == 3600.0
    assert clock.waits == []


def test_retry_after_as_an_http_date_is_honoured(clock: Clock) -> None:
    clock.waits.clear()
    moment = datetime.fromtimestamp(clock.now + 30, UTC)
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": format_datetime(moment, usegmt=True)}),
            httpx.Response(200, json={"users": []}),
        ]
    )
    with mocked(lambda request: next(answers), clock) as client:
        assert client.list_users() == []
    assert clock.waits == [30.0]


def test_429_without_retry_after_backs_off_exponentially(clock: Clock) -> None:
    clock.waits.clear()
    answers = iter(
        [httpx.Response(429), httpx.Response(429), httpx.Response(200, json=user_json())]
    )
    with mocked(lambda request: next(answers), clock) as client:
        assert client.get_user("usr_abcdefghijkl").user_id == "usr_abcdefghijkl"
    assert clock.waits == [0.5, 1.0]


def test_5xx_on_a_read_is_retried_with_backoff(
    client: TraderPalClient, admin: Admin, clock: Clock
) -> None:
    admin.post("/faults", {"method": "GET", "status": 503, "times": 2})
    assert client.list_page().users is not None
    assert clock.waits == [0.5, 1.0]


def test_5xx_on_a_read_that_persists_is_unavailable(
    client: TraderPalClient, admin: Admin, clock: Clock
) -> None:
    admin.post("/faults", {"method": "GET", "status": 500, "times": None})
    with pytest.raises(ProviderUnavailable, match="HTTP 500 internal_error"):
        client.list_page()
    assert len(admin.requests()) == 3


@pytest.mark.parametrize("after_processing", [False, True], ids=["refused", "answer-lost"])
def test_5xx_on_a_write_is_never_resent(
    client: TraderPalClient, admin: Admin, clock: Clock, after_processing: bool
) -> None:
    admin.post(
        "/faults",
        {"method": "POST", "status": 503, "times": 1, "after_processing": after_processing},
    )
    user = new_user()
    with pytest.raises(ProviderUnavailable):
        client.create_user(user)
    assert [r["method"] for r in admin.requests()] == ["POST"]
    assert clock.waits == []
    assert (user.email in str(admin.get("/world"))) is after_processing


def test_network_errors_are_retried_for_reads_only(clock: Clock) -> None:
    clock.waits.clear()
    seen: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        if len(seen) == 1 or request.method == "POST":
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"users": [user_json()]})

    with mocked(flaky, clock) as client:
        assert [u.user_id for u in client.list_users()] == ["usr_abcdefghijkl"]
        with pytest.raises(ProviderUnavailable, match="network error"):
            client.create_user(new_user())
    assert seen == ["GET", "GET", "POST"]


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(200, content=b"<html>"), ProviderUnavailable),
        (
            httpx.Response(200, json={"users": [{"email": "no-id@example.com"}]}),
            ProviderUnavailable,
        ),
        (httpx.Response(400, content=b"Bad Request"), TraderPalRejected),
    ],
    ids=["not-json", "missing-user-id", "4xx-without-envelope"],
)
def test_unexpected_answers(clock: Clock, response: httpx.Response, error: type[Exception]) -> None:
    with mocked(lambda request: response, clock) as client, pytest.raises(error) as caught:
        client.list_page()
    assert FAKE_KEY not in str(caught.value)


def test_the_key_header_is_pluggable(clock: Clock) -> None:
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(201, json=user_json(status="pending_verification"))

    header = ApiKeyHeader(name="X-Api-Key", prefix="")
    with mocked(handler, clock, header=header) as client:
        client.create_user(new_user())
    assert seen[0]["x-api-key"] == FAKE_KEY
    assert "authorization" not in seen[0]
    assert len(seen[0]["idempotency-key"]) == 32


def test_answers_may_leave_out_any_field_but_the_id_and_email(clock: Clock) -> None:
    with mocked(lambda request: httpx.Response(200, json=user_json()), clock) as client:
        user = client.get_user("usr_abcdefghijkl")
    assert user.status is None
    assert not user.shown("phone_number")
