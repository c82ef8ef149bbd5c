"""Liveness: the report, and the endpoint over real HTTP on an ephemeral port."""

from __future__ import annotations

import httpx
import pytest

from reconciler.watch.health import Health, HealthServer
from tests.fakes import FakeClock


def test_healthy_only_while_the_loop_beats_and_every_stream_is_connected() -> None:
    clock = FakeClock(0.0)
    health = Health(stall_after=30.0, monotonic=clock)
    assert health.report() == (
        True,
        {"status": "ok", "loop_idle_seconds": 0.0, "streams": {}},
    )
    health.stream("tradovate", connected=False)
    assert health.report()[0] is False
    health.stream("tradovate", connected=True)
    clock.sleep(31.0)
    healthy, report = health.report()
    assert (healthy, report["loop_idle_seconds"]) == (False, 31.0)
    health.beat()
    assert health.report()[1] == {
        "status": "ok",
        "loop_idle_seconds": 0.0,
        "streams": {"tradovate": "connected"},
    }


def test_the_endpoint_answers_200_or_503_with_the_report() -> None:
    health = Health(stall_after=30.0)
    server = HealthServer(health, host="127.0.0.1", port=0)
    try:
        url = f"http://127.0.0.1:{server.port}/healthz"
        assert httpx.get(url).status_code == 200
        health.stream("tradovate", connected=False)
        answer = httpx.get(url)
        assert answer.status_code == 503
        assert answer.json()["streams"] == {"tradovate": "disconnected"}
        assert httpx.head(url).status_code == 503
    finally:
        server.close()


def test_any_path_answers_and_head_has_no_body() -> None:
    server = HealthServer(Health(stall_after=30.0), host="127.0.0.1", port=0)
    try:
        base = f"http://127.0.0.1:{server.port}"
        assert httpx.get(f"{base}/").json()["status"] == "ok"
        assert httpx.get(f"{base}/anything/else").status_code == 200
        head = httpx.head(f"{base}/healthz")
        assert (head.status_code, head.content) == (200, b"")
        assert head.headers["content-type"] == "application/json"
    finally:
        server.close()


def test_a_taken_port_is_an_os_error() -> None:
    first = HealthServer(Health(stall_after=30.0), host="127.0.0.1", port=0)
    try:
        with pytest.raises(OSError, match=f"127.0.0.1:{first.port}"):
            HealthServer(Health(stall_after=30.0), host="127.0.0.1", port=first.port)
    finally:
        first.close()
