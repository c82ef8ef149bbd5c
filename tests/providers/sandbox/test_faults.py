"""The fault injector every sandbox shares: each effect before and after the platform commits,
counts, seeded probabilities, patterns and its admin API, over real HTTP."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from reconciler.providers.sandbox.faults import Fault, FaultInjector
from reconciler.providers.sandbox.server import RunningServer, serve_app


class Counter:
    """A tiny platform: `POST /v1/things` commits one thing, `GET /v1/things` counts them."""

    def __init__(self) -> None:
        self.things = 0
        self.committed = threading.Event()

    def app(self) -> Starlette:
        async def things(request: Request) -> JSONResponse:
            if request.method == "POST":
                await request.body()
                self.things += 1
                self.committed.set()
                return JSONResponse({"id": self.things}, status_code=201)
            return JSONResponse({"count": self.things})

        return Starlette(routes=[Route("/v1/things", things, methods=["GET", "POST"])])


def render(status: int, fault: Fault) -> tuple[Any, dict[str, str]]:
    return {"error": f"injected {status}"}, {"X-Platform": "counter"}


class Platform:
    def __init__(self, server: RunningServer, counter: Counter, injector: FaultInjector) -> None:
        self.url = server.url
        self.counter = counter
        self.injector = injector
        self.http = httpx.Client(base_url=server.url, timeout=5)

    def fault(self, **fields: Any) -> httpx.Response:
        return self.http.post("/_sandbox/faults", json=fields)


@pytest.fixture
def platform() -> Iterator[Platform]:
    counter = Counter()
    logged: list[int] = []
    injector = FaultInjector(
        counter.app(), render=render, seed=7, record=lambda scope, status: logged.append(status)
    )
    with serve_app(injector) as server:
        platform = Platform(server, counter, injector)
        yield platform
        platform.http.close()


def test_a_status_before_processing_commits_nothing(platform: Platform) -> None:
    platform.fault(method="POST", path="/v1/things", status=503, retry_after=3)
    answer = platform.http.post("/v1/things", json={})
    assert (answer.status_code, answer.json(), answer.headers["retry-after"]) == (
        503,
        {"error": "injected 503"},
        "3",
    )
    assert answer.headers["x-platform"] == "counter"
    assert platform.counter.things == 0
    assert platform.http.post("/v1/things", json={}).status_code == 201


def test_a_status_after_processing_replaces_the_answer_of_a_commit(platform: Platform) -> None:
    platform.fault(method="POST", status=500, after_processing=True)
    assert platform.http.post("/v1/things", json={}).status_code == 500
    assert platform.counter.things == 1


@pytest.mark.parametrize(
    ("after", "committed"), [(False, 0), (True, 1)], ids=["before-commit", "after-commit"]
)
def test_a_reset_loses_the_connection(platform: Platform, after: bool, committed: int) -> None:
    platform.fault(method="POST", effect="reset", after_processing=after)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        platform.http.post("/v1/things", json={})
    assert platform.counter.things == committed
    assert platform.http.get("/v1/things").json() == {"count": committed}


def test_a_malformed_answer_is_not_json(platform: Platform) -> None:
    platform.fault(method="POST", effect="malformed", after_processing=True)
    answer = platform.http.post("/v1/things", json={})
    assert answer.status_code == 200
    with pytest.raises(ValueError, match=r"\w"):
        answer.json()
    assert platform.counter.things == 1


def test_a_delay_after_processing_times_the_caller_out_after_the_commit(
    platform: Platform,
) -> None:
    platform.fault(method="POST", effect="delay", seconds=0.5, after_processing=True)
    with pytest.raises(httpx.TimeoutException):
        platform.http.post("/v1/things", json={}, timeout=0.1)
    assert platform.counter.things == 1


def test_a_delay_before_processing_commits_late_even_when_the_caller_gave_up(
    platform: Platform,
) -> None:
    platform.fault(method="POST", effect="delay", seconds=1.0)
    with pytest.raises(httpx.TimeoutException):
        platform.http.post("/v1/things", json={}, timeout=0.05)
    assert platform.counter.things == 0  # the caller gave up 20 times sooner than the delay
    assert platform.counter.committed.wait(timeout=30)
    assert platform.counter.things == 1


def test_a_slow_answer_within_the_timeout_is_just_slow(platform: Platform) -> None:
    platform.fault(method="GET", effect="delay", seconds=0.05)
    assert platform.http.get("/v1/things").json() == {"count": 0}


def test_times_bounds_the_hits_and_unbounded_faults_stay_armed(platform: Platform) -> None:
    platform.fault(method="GET", status=502, times=2)
    assert [platform.http.get("/v1/things").status_code for _ in range(3)] == [502, 502, 200]
    platform.fault(method="GET", status=504, times=None)
    assert [platform.http.get("/v1/things").status_code for _ in range(3)] == [504] * 3
    listed = platform.http.get("/_sandbox/faults").json()
    assert [f["remaining"] for f in listed["faults"]] == [None]
    assert len(listed["injected"]) == 5


def test_patterns_match_method_and_path_without_case(platform: Platform) -> None:
    platform.fault(method="post", path="/V1/THING*", status=503, times=None)
    assert platform.http.get("/v1/things").status_code == 200
    assert platform.http.post("/v1/things", json={}).status_code == 503


def hits(seed: int) -> list[int]:
    counter = Counter()
    injector = FaultInjector(
        counter.app(), render=render, seed=seed, faults=(Fault(probability=0.5, times=None),)
    )
    with serve_app(injector) as server, httpx.Client(base_url=server.url) as http:
        return [http.get("/v1/things").status_code for _ in range(20)]


def test_a_probability_is_drawn_from_the_seed_reproducibly() -> None:
    first, again, other = hits(3), hits(3), hits(4)
    assert first == again
    assert first != other
    assert 0 < first.count(503) < 20


def test_the_seed_can_be_set_through_the_admin_api(platform: Platform) -> None:
    def draw() -> list[int]:
        platform.http.post("/_sandbox/faults/seed", json={"seed": 11})
        platform.fault(probability=0.5, times=None)
        codes = [platform.http.get("/v1/things").status_code for _ in range(12)]
        platform.http.post("/_sandbox/faults/clear")
        return codes

    assert draw() == draw()


def test_clear_disarms_every_fault_and_empties_the_hits(platform: Platform) -> None:
    platform.fault(status=503, times=None)
    assert platform.http.get("/v1/things").status_code == 503
    assert platform.http.post("/_sandbox/faults/clear").json() == {"faults": [], "injected": []}
    assert platform.http.get("/v1/things").status_code == 200


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 404},
        {"status": "503"},
        {"effect": "explode"},
        {"times": 0},
        {"probability": 0},
        {"probability": 1.5},
        {"seconds": -1},
        {"seconds": True},
        {"retry_after": -2},
        {"after_processing": "yes"},
        {"colour": "red"},
    ],
    ids=[
        "status-not-a-fault",
        "status-text",
        "unknown-effect",
        "zero-times",
        "zero-probability",
        "probability-over-one",
        "negative-delay",
        "delay-bool",
        "negative-retry-after",
        "flag-not-bool",
        "unknown-field",
    ],
)
def test_invalid_faults_are_refused(platform: Platform, fault: dict[str, Any]) -> None:
    answer = platform.fault(**fault)
    assert answer.status_code == 400
    assert "invalid fault" in answer.json()["error"]
    assert platform.http.get("/_sandbox/faults").json()["faults"] == []


def test_count_is_accepted_for_times(platform: Platform) -> None:
    assert platform.fault(status=503, count=2).status_code == 200
    assert platform.http.get("/_sandbox/faults").json()["faults"][0]["remaining"] == 2


def test_the_admin_api_is_loopback_only() -> None:
    injector = FaultInjector(Counter().app(), render=render)
    transport = httpx.ASGITransport(app=injector, client=("203.0.113.9", 4000))

    async def statuses() -> tuple[int, int]:
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
            armed = await http.post("/_sandbox/faults", json={"status": 503})
            served = await http.get("/v1/things")
        return armed.status_code, served.status_code

    assert asyncio.run(statuses()) == (403, 200)


def test_injected_answers_are_recorded_and_resets_are_not() -> None:
    logged: list[int] = []
    injector = FaultInjector(
        Counter().app(),
        render=render,
        faults=(Fault(effect="reset"), Fault(status=429), Fault(effect="malformed")),
        record=lambda scope, status: logged.append(status),
    )
    with serve_app(injector) as server, httpx.Client(base_url=server.url) as http:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            http.get("/v1/things")
        assert http.get("/v1/things").status_code == 429
        assert http.get("/v1/things").status_code == 200
        assert http.get("/v1/things").json() == {"count": 0}
    assert logged == [429, 200]
