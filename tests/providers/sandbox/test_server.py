"""The generic sandbox runner: serving an ASGI app on 127.0.0.1 over real HTTP, and stopping it."""

from __future__ import annotations

import json
import socket

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from reconciler.providers.sandbox.server import RunningServer, json_body, serve_app


def echo_app() -> Starlette:
    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"path": request.url.path})

    return Starlette(routes=[Route("/{rest:path}", echo)])


def test_serves_on_an_ephemeral_loopback_port() -> None:
    with serve_app(echo_app()) as server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.port > 0
        assert httpx.get(server.url + "/hello").json() == {"path": "/hello"}


def test_two_servers_get_different_ports() -> None:
    with serve_app(echo_app()) as first, serve_app(echo_app()) as second:
        assert first.port != second.port


def test_stop_closes_the_port_and_is_idempotent() -> None:
    server = serve_app(echo_app())
    url = server.url
    server.stop()
    server.stop()
    assert not server.thread.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/gone")


def test_stop_does_not_wait_on_an_open_keep_alive_connection() -> None:
    server = serve_app(echo_app())
    with httpx.Client() as client:
        assert client.get(server.url + "/kept").status_code == 200
        server.stop()
    assert not server.thread.is_alive()


def test_an_explicit_port_is_used() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with serve_app(echo_app(), port=port) as server:
        assert server.port == port


def test_a_busy_port_raises_instead_of_hanging() -> None:
    with serve_app(echo_app()) as server, pytest.raises(RuntimeError, match="could not start"):
        serve_app(echo_app(), port=server.port)


def fail_inside(server: RunningServer) -> None:
    with server:
        raise ValueError("boom")


def test_the_context_manager_stops_on_error() -> None:
    server = serve_app(echo_app())
    with pytest.raises(ValueError, match="boom"):
        fail_inside(server)
    assert not server.thread.is_alive()


def test_stop_without_waiting_returns_at_once_and_the_port_closes_soon() -> None:
    server = serve_app(echo_app())
    server.stop(wait=False)
    server.thread.join(5)
    assert not server.thread.is_alive()


@pytest.mark.parametrize(
    "payload",
    [
        [{"id": 1, "name": "Ann", "ok": True, "gone": None, "size": 2500.0, "ratio": 0.5}],
        {"errorText": "Invalid request: é, 名前, \u2028 and \x00", "nested": {"list": [1, -2]}},
        [1e16, 1.5e300, -0.0, 1 / 3, 2**70, float("inf")],
        {1: "an int key becomes a string"},
        [],
    ],
)
def test_json_body_writes_what_json_dumps_writes(payload: object) -> None:
    expected = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    assert json_body(payload) == expected


def test_json_body_may_write_a_small_exponent_shorter_but_the_same_number() -> None:
    assert json.loads(json_body([1e-07, 2.5e-10])) == [1e-07, 2.5e-10]
