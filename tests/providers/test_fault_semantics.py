"""Every client under injected faults, over real HTTP: a create whose outcome is unknown is sent
once and surfaces as ProviderUnavailable (the journal keeps it pending; the next plan resolves it
by natural key); reads and idempotent updates ride out transient faults within their budget."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from reconciler.errors import ProviderUnavailable
from reconciler.providers.http import make_http_client
from reconciler.providers.traderpal import sandbox as tp_sandbox
from reconciler.providers.traderpal.client import TraderPalClient
from reconciler.providers.traderpal.models import NewUser as TpNewUser
from reconciler.providers.traderpal.models import UserChanges
from reconciler.providers.tradervue import sandbox as tv_sandbox
from reconciler.providers.tradervue.client import TradervueClient
from reconciler.providers.tradervue.config import Credentials as TvCredentials
from reconciler.providers.tradervue.models import NewUser as TvNewUser
from reconciler.providers.tradervue.models import UserUpdate
from reconciler.providers.tradovate import sandbox as to_sandbox
from reconciler.providers.tradovate.client import TradovateClient
from reconciler.providers.tradovate.config import Credentials as ToCredentials
from reconciler.providers.tradovate.models import EvaluationUser
from tests.fakes import FakeClock

TIMEOUT = 0.2
"""The clients' HTTP timeout here; `delay` faults of 1 s outlast it."""


@dataclass
class Platform:
    """One platform's sandbox and client, reduced to what these tests need."""

    name: str
    url: str
    create_path: str
    list_path: str
    update_path: str
    create: Callable[[str], Any]
    read: Callable[[], list[str]]
    update: Callable[[str], None]
    updated: Callable[[str], bool]
    clock: FakeClock

    def fault(self, **fields: Any) -> None:
        httpx.post(f"{self.url}/_sandbox/faults", json=fields).raise_for_status()

    def hits(self) -> int:
        return len(httpx.get(f"{self.url}/_sandbox/faults").json()["injected"])

    def world(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.url}/_sandbox/world").json())

    def count(self, key: str) -> int:
        """Users holding `key` as their name, or as the local part of their e-mail."""
        users = self.world()["users"]
        names = (
            (u.get("name"), u.get("username"), str(u.get("email")).split("@")[0]) for u in users
        )
        return sum(1 for held in names if key in held)


def unique() -> str:
    return f"fault{uuid.uuid4().hex[:8]}"


def tradovate(clock: FakeClock) -> AbstractContextManager[Platform]:
    return _serve(
        to_sandbox.serve_sandbox(to_sandbox.SandboxConfig(), clock=clock),
        lambda server: _tradovate(server, clock),
    )


def _tradovate(server: Any, clock: FakeClock) -> Platform:
    name, password, sec = to_sandbox.DEFAULT_ADMIN
    client = TradovateClient(
        live=make_http_client(server.live_url, timeout=TIMEOUT),
        demo=make_http_client(server.demo_url, timeout=TIMEOUT),
        credentials=ToCredentials(name=name, password=SecretStr(password), sec=SecretStr(sec)),
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda: 1.0,
    )
    client.list_users()  # authenticate first: faults below target the API calls only
    ids: dict[str, int] = {}

    def create(key: str) -> Any:
        user = EvaluationUser(
            name=key,
            email=f"{key}@example.com",
            password=SecretStr("pw-Secret-4711"),
            first_name="Fault",
            last_name="Tester",
        )
        (outcome,) = client.create_users([user])
        ids[key] = int(outcome.user_id or 0)
        return outcome

    def update(key: str) -> None:
        assert client.modify_email(user_id=ids[key], email=f"{key}@changed.example") is None

    def updated(key: str) -> bool:
        return any(u["email"] == f"{key}@changed.example" for u in _world(server)["users"])

    return Platform(
        "tradovate",
        server.url,
        "/live/v1/user/createevaluationusers",
        "/live/v1/user/list",
        "/live/v1/user/modifyemailaddress",
        create,
        lambda: [u.name for u in client.list_users()],
        update,
        updated,
        clock,
    )


def tradervue(clock: FakeClock) -> AbstractContextManager[Platform]:
    return _serve(
        tv_sandbox.serve_sandbox(tv_sandbox.SandboxConfig(), clock=clock),
        lambda server: _tradervue(server, clock),
    )


def _tradervue(server: Any, clock: FakeClock) -> Platform:
    username, password = tv_sandbox.DEFAULT_MANAGER
    client = TradervueClient(
        http=make_http_client(server.base_url, timeout=TIMEOUT),
        credentials=TvCredentials(username=username, password=SecretStr(password)),
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda: 1.0,
    )
    ids: dict[str, int] = {}

    def create(key: str) -> Any:
        ids[key] = client.create_user(
            TvNewUser(
                username=key,
                plan="Silver",
                email=f"{key}@example.com",
                password=SecretStr("pw-Secret-1"),
            )
        )
        return ids[key]

    def update(key: str) -> None:
        assert client.update_user(ids[key], UserUpdate(plan="Gold"))

    def updated(key: str) -> bool:
        return any(u["username"] == key and u["plan"] == "Gold" for u in _world(server)["users"])

    return Platform(
        "tradervue",
        server.url,
        "/api/v1/users",
        "/api/v1/users",
        "/api/v1/users/*",
        create,
        lambda: [u.username for u in client.list_users()],
        update,
        updated,
        clock,
    )


def traderpal(clock: FakeClock) -> AbstractContextManager[Platform]:
    return _serve(
        tp_sandbox.serve_sandbox(tp_sandbox.SandboxConfig(), clock=clock),
        lambda server: _traderpal(server, clock),
    )


def _traderpal(server: Any, clock: FakeClock) -> Platform:
    client = TraderPalClient(
        http=make_http_client(server.base_url, timeout=TIMEOUT),
        api_key=SecretStr(tp_sandbox.DEFAULT_API_KEY),
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda: 1.0,
    )
    ids: dict[str, str] = {}

    def create(key: str) -> Any:
        user = client.create_user(
            TpNewUser(email=f"{key}@example.com", first_name="Fault", last_name="Tester")
        )
        ids[key] = user.user_id
        return user

    def update(key: str) -> None:
        client.update_user(ids[key], UserChanges(last_name="Changed"))

    def updated(key: str) -> bool:
        return any(
            u["email"] == f"{key}@example.com" and u["lastName"] == "Changed"
            for u in _world(server)["users"]
        )

    return Platform(
        "traderpal",
        server.url,
        "/v1/users",
        "/v1/users",
        "/v1/users/*",
        create,
        lambda: [u.email for u in client.list_users()],
        update,
        updated,
        clock,
    )


def _world(server: Any) -> dict[str, Any]:
    return dict(httpx.get(f"{server.url}/_sandbox/world").json())


class _serve(AbstractContextManager[Platform]):
    def __init__(self, running: Any, make: Callable[[Any], Platform]) -> None:
        self._running = running
        self._make = make

    def __enter__(self) -> Platform:
        return self._make(self._running)

    def __exit__(self, *exc_info: object) -> None:
        self._running.stop()


@pytest.fixture(scope="module", params=[tradovate, tradervue, traderpal], ids=lambda f: f.__name__)
def running(request: pytest.FixtureRequest) -> Iterator[Platform]:
    with request.param(FakeClock()) as platform:
        yield platform


@pytest.fixture
def platform(running: Platform) -> Platform:
    """The module's platform with no fault armed and no wait recorded."""
    httpx.post(f"{running.url}/_sandbox/faults/clear").raise_for_status()
    running.clock.waits.clear()
    return running


LOST_ANSWERS = [
    {"effect": "reset", "after_processing": True},
    {"effect": "status", "status": 500, "after_processing": True},
    {"effect": "status", "status": 502, "after_processing": True},
    {"effect": "malformed", "after_processing": True},
    {"effect": "delay", "seconds": 1.0, "after_processing": True},
]
LOST_IDS = ["reset", "500", "502", "malformed", "timeout"]


@pytest.mark.parametrize("fault", LOST_ANSWERS, ids=LOST_IDS)
def test_a_create_whose_answer_is_lost_is_sent_once_and_unknown(
    platform: Platform, fault: dict[str, Any]
) -> None:
    key = unique()
    platform.fault(method="POST", path=platform.create_path, times=None, **fault)
    with pytest.raises(ProviderUnavailable):
        platform.create(key)
    assert platform.hits() == 1, "a create with an unknown outcome was sent again"
    assert platform.count(key) == 1  # committed: the next plan adopts it by natural key
    assert platform.clock.waits == []


REFUSED = [
    {"effect": "reset"},
    {"effect": "status", "status": 503},
    {"effect": "status", "status": 500},
]


@pytest.mark.parametrize("fault", REFUSED, ids=["reset", "503", "500"])
def test_a_create_that_failed_before_the_platform_saw_it_is_not_repeated(
    platform: Platform, fault: dict[str, Any]
) -> None:
    key = unique()
    platform.fault(method="POST", path=platform.create_path, times=None, **fault)
    with pytest.raises(ProviderUnavailable):
        platform.create(key)
    assert platform.hits() == 1
    assert platform.count(key) == 0  # the next plan finds nothing and creates it again


TRANSIENT = [
    {"effect": "reset"},
    {"effect": "status", "status": 503},
    {"effect": "malformed"},
    {"effect": "delay", "seconds": 1.0},
]
TRANSIENT_IDS = ["reset", "503", "malformed", "timeout"]


@pytest.mark.parametrize("fault", TRANSIENT, ids=TRANSIENT_IDS)
def test_a_read_rides_out_transient_faults_with_backoff(
    platform: Platform, fault: dict[str, Any]
) -> None:
    key = unique()
    platform.create(key)
    platform.fault(method="GET", path=platform.list_path, times=2, **fault)
    assert any(key in name for name in platform.read())
    assert platform.hits() == 2
    assert platform.clock.waits == [0.5, 1.0]


def test_a_read_that_keeps_failing_gives_up_within_its_budget(platform: Platform) -> None:
    platform.fault(method="GET", path=platform.list_path, times=None, status=503)
    with pytest.raises(ProviderUnavailable):
        platform.read()
    assert platform.hits() == 3
    assert sum(platform.clock.waits) <= 60


@pytest.mark.parametrize(
    "fault",
    [
        {"effect": "reset", "after_processing": True},
        {"effect": "status", "status": 503},
        {"effect": "status", "status": 502, "after_processing": True},
    ],
    ids=["reset-after-commit", "503-before", "502-after-commit"],
)
def test_an_idempotent_update_is_retried_and_lands(
    platform: Platform, fault: dict[str, Any]
) -> None:
    key = unique()
    platform.create(key)
    platform.fault(method="*", path=platform.update_path, times=1, **fault)
    platform.update(key)
    assert platform.updated(key)
    assert platform.hits() == 1
    assert len(platform.clock.waits) == 1
