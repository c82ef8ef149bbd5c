"""Idle connections: reused for the next request soon after, but not once they have been idle
long enough for a platform to be closing them (a request sent on a connection the server is
closing has an unknown outcome, which stops an apply)."""

from __future__ import annotations

import http.server
import time
from collections.abc import Iterator

import pytest

from reconciler.providers.http import KEEPALIVE_EXPIRY, make_http_client
from tests.providers.served import served


@pytest.fixture
def keep_alive_server() -> Iterator[tuple[str, list[int]]]:
    """An HTTP/1.1 server that keeps connections open; the client port of each request."""
    ports: list[int] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            ports.append(self.client_address[1])
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    with served(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as port:
        yield f"http://127.0.0.1:{port}", ports


def test_a_connection_idle_past_the_expiry_is_not_reused(
    keep_alive_server: tuple[str, list[int]],
) -> None:
    url, ports = keep_alive_server
    assert KEEPALIVE_EXPIRY < 5.0  # common servers close idle connections after 5 s
    with make_http_client(url) as client:
        client.get("/one").raise_for_status()
        client.get("/two").raise_for_status()
        time.sleep(KEEPALIVE_EXPIRY + 0.3)
        client.get("/three").raise_for_status()
    assert ports[0] == ports[1]  # soon after: the same connection
    assert ports[2] != ports[1]  # idle past the expiry: a new one
