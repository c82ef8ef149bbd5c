"""TradervueClient against the Tradervue sandbox over real HTTP on 127.0.0.1, and against
httpx.MockTransport for transport faults. The client's sleep moves a fake clock."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import httpx
import pytest
from pydantic import SecretStr

from reconciler.errors import ProviderRejected, ProviderUnavailable, RateLimited
from reconciler.providers.http import make_http_client
from reconciler.providers.tradervue.client import TradervueClient
from reconciler.providers.tradervue.config import Credentials
from reconciler.providers.tradervue.models import (
    NewUser,
    NewUserSettings,
    UserUpdate,
    WireChart,
)
from reconciler.providers.tradervue.sandbox import DEFAULT_MANAGER
from tests.providers.tradervue.driver import MANAGER_ID, MONDAY, Clock, Driver, running

PASSWORD = "client-pass-1"


@pytest.fixture(scope="module")
def tv() -> Iterator[Driver]:
    with running() as driver:
        yield driver


@pytest.fixture
def clock() -> Clock:
    return Clock()


def manager(username: str = DEFAULT_MANAGER[0], password: str = DEFAULT_MANAGER[1]) -> Credentials:
    return Credentials(username=username, password=SecretStr(password))


def connect(
    base_url: str, clock: Clock, *, credentials: Credentials | None = None
) -> TradervueClient:
    return TradervueClient(
        http=make_http_client(base_url),
        credentials=credentials or manager(),
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda: 1.0,
    )


@pytest.fixture
def client(tv: Driver, clock: Clock) -> Iterator[TradervueClient]:
    with connect(tv.server.base_url, clock) as opened:
        yield opened


def new_user(username: str) -> NewUser:
    return NewUser(
        username=username,
        plan="Silver",
        email=f"{username}@example.com",
        password=SecretStr(PASSWORD),
    )


def test_create_then_list_and_get(client: TradervueClient, tv: Driver) -> None:
    user_id = client.create_user(new_user("client-a"))
    listed = {u.id: u for u in client.list_users()}
    assert listed[user_id].username == "client-a"
    assert MANAGER_ID in listed
    user = client.get_user(user_id)
    assert user is not None
    assert (user.email, user.plan, user.billing_mode, user.last_login) == (
        "client-a@example.com",
        "Silver",
        "Managed",
        None,
    )


def test_create_sends_settings_trial_end_and_the_password(
    client: TradervueClient, tv: Driver
) -> None:
    request = NewUser(
        username="client-settings",
        plan="Gold",
        email="client-settings@example.com",
        password=SecretStr(PASSWORD),
        trial_end="2026-03-20",
        settings=NewUserSettings(
            merge_mode="force_split",
            commission_stocks="1.01",
            mentor=MANAGER_ID,
            charts=[WireChart(type="ohlc", timeframe="m15")],
        ),
    )
    client.create_user(request)
    debug = tv.debug("client-settings")
    assert debug["trial_end"] == "2026-03-20"
    assert debug["settings"] == {
        "merge_mode": "force_split",
        "commission_stocks": "1.01",
        "mentor": MANAGER_ID,
        "charts": [{"type": "ohlc", "timeframe": "m15"}],
    }
    assert tv.api.get("/users", auth=("client-settings", PASSWORD)).status_code == 403


def test_update_sends_only_the_given_fields(client: TradervueClient, tv: Driver) -> None:
    user_id = client.create_user(new_user("client-upd"))
    assert client.update_user(user_id, UserUpdate(plan="Gold")) is True
    user = client.get_user(user_id)
    assert user is not None
    assert (user.username, user.plan) == ("client-upd", "Gold")


def test_a_user_outside_the_organisation_is_none_or_false(client: TradervueClient) -> None:
    assert client.get_user(987654) is None
    assert client.update_user(987654, UserUpdate(plan="Free")) is False


def test_a_refused_create_is_rejected_with_the_platform_text(client: TradervueClient) -> None:
    client.create_user(new_user("client-dup"))
    with pytest.raises(ProviderRejected) as caught:
        client.create_user(new_user("CLIENT-DUP"))
    assert str(caught.value) == (
        "tradervue POST /users: HTTP 400: Invalid request: username has already been taken, "
        "email has already been taken"
    )
    assert PASSWORD not in str(caught.value)


def test_a_refused_update_is_rejected(client: TradervueClient) -> None:
    user_id = client.create_user(new_user("client-bad-upd"))
    with pytest.raises(ProviderRejected, match="plan must be one of"):
        client.update_user(user_id, UserUpdate(plan="Diamond"))


def test_bad_credentials_are_rejected_without_the_password(tv: Driver, clock: Clock) -> None:
    wrong = manager(password="wrong-secret")
    with (
        connect(tv.server.base_url, clock, credentials=wrong) as c,
        pytest.raises(ProviderRejected) as caught,
    ):
        c.list_users()
    assert "HTTP 401" in str(caught.value)
    assert "wrong-secret" not in str(caught.value)
    assert clock.waits == []  # a 401 is not retried


def test_a_member_login_is_refused_as_not_the_manager(tv: Driver, clock: Clock) -> None:
    tv.create("client-member", password="member-pass")
    with (
        connect(
            tv.server.base_url, clock, credentials=manager("client-member", "member-pass")
        ) as c,
        pytest.raises(ProviderRejected, match="HTTP 403"),
    ):
        c.list_users()


def test_every_request_carries_a_user_agent_and_basic_auth() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"users": []})

    with TradervueClient(
        http=make_http_client(
            "https://acme.tradervue.com/api/v1", transport=httpx.MockTransport(handler)
        ),
        credentials=manager(),
    ) as client:
        assert client.list_users() == []
    (request,) = seen
    assert request.url == "https://acme.tradervue.com/api/v1/users"
    assert request.headers["User-Agent"].startswith("reconciler/")
    assert request.headers["Authorization"].startswith("Basic ")
    assert request.headers["Accept"] == "application/json"


def test_a_5xx_read_is_retried_with_backoff(
    client: TradervueClient, tv: Driver, clock: Clock
) -> None:
    tv.admin("POST", "/faults", {"status": 503, "count": 2})
    assert any(u.id == MANAGER_ID for u in client.list_users())
    assert clock.waits == [0.5, 1.0]


def test_a_read_that_keeps_failing_is_unavailable_after_the_attempts(
    client: TradervueClient, tv: Driver, clock: Clock
) -> None:
    tv.admin("POST", "/faults", {"status": 502, "count": 3})
    with pytest.raises(ProviderUnavailable, match="HTTP 502"):
        client.list_users()
    assert len(clock.waits) == 2


def test_a_write_is_never_retried(client: TradervueClient, tv: Driver, clock: Clock) -> None:
    tv.admin("POST", "/faults", {"status": 503, "count": 1})
    with pytest.raises(ProviderUnavailable):
        client.create_user(new_user("client-once"))
    assert clock.waits == []
    assert tv.admin("GET", "/users/client-once").status_code == 404


def test_429_is_rate_limited_with_retry_after_and_not_retried(
    client: TradervueClient, tv: Driver, clock: Clock
) -> None:
    tv.admin("POST", "/faults", {"status": 429, "count": 1, "retry_after": 42})
    with pytest.raises(RateLimited) as caught:
        client.list_users()
    assert caught.value.retry_after == 42
    assert clock.waits == []


def mock_client(
    handler: Callable[[httpx.Request], httpx.Response], clock: Clock
) -> TradervueClient:
    http = make_http_client(
        "https://acme.tradervue.com/api/v1", transport=httpx.MockTransport(handler)
    )
    return TradervueClient(
        http=http, credentials=manager(), clock=clock, sleep=clock.sleep, jitter=lambda: 0.0
    )


def test_network_errors_on_reads_are_retried_then_unavailable(clock: Clock) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        raise httpx.ConnectError("refused", request=request)

    with mock_client(handler, clock) as client, pytest.raises(ProviderUnavailable, match="network"):
        client.get_user(1)
    assert calls == ["GET"] * 3
    assert clock.waits == [0.25, 0.5]


def test_a_timeout_on_a_create_is_unavailable_at_once(clock: Clock) -> None:
    """Its outcome is unknown: the next plan looks the user up by username instead."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        raise httpx.ReadTimeout("slow", request=request)

    with (
        mock_client(handler, clock) as client,
        pytest.raises(ProviderUnavailable, match="timed out"),
    ):
        client.create_user(new_user("timed-out"))
    assert calls == ["POST"]
    assert clock.waits == []


def test_a_timed_out_update_is_sent_again_since_it_only_sets_fields(clock: Clock) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200)

    with mock_client(handler, clock) as client:
        assert client.update_user(1, UserUpdate(plan="Free")) is True
    assert calls == ["PUT", "PUT"]
    assert clock.waits == [0.25]


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, content=b"<html>maintenance</html>"),
        httpx.Response(200, json={"people": []}),
        httpx.Response(201, json={"id": "not-a-number"}),
    ],
    ids=["not-json", "wrong-shape", "bad-id"],
)
def test_an_unexpected_answer_is_unavailable(clock: Clock, response: httpx.Response) -> None:
    call = "create_user" if response.status_code == 201 else "list_users"
    with mock_client(lambda request: response, clock) as client:
        operation = getattr(client, call)
        arguments = (new_user("shape"),) if call == "create_user" else ()
        with pytest.raises(ProviderUnavailable, match="unexpected answer"):
            operation(*arguments)


def test_retry_after_may_be_an_http_date(clock: Clock) -> None:
    when = "Mon, 02 Mar 2026 08:01:30 GMT"
    assert clock.now == MONDAY

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": when})

    with mock_client(handler, clock) as client, pytest.raises(RateLimited) as caught:
        client.list_users()
    assert caught.value.retry_after == 90


def test_the_password_never_reaches_the_logs(
    client: TradervueClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client.create_user(new_user("client-logged"))
    assert caplog.records
    assert PASSWORD not in caplog.text
    assert DEFAULT_MANAGER[1] not in caplog.text


def test_reprs_hide_secrets() -> None:
    assert PASSWORD not in repr(new_user("shown"))
    assert DEFAULT_MANAGER[1] not in repr(manager())
    assert new_user("shown").body()["password"] == PASSWORD
