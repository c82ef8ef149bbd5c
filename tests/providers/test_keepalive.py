"""Idle connections: reused for the next request soon after, but not once they have been idle
long enough for a platform to be closing them (a request sent on a connection the server is
closing has an unknown outcome, which stops an apply)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from reconciler.providers.http import KEEPALIVE_EXPIRY, make_http_client
from tests.providers.served import json_server


@pytest.fixture
def keep_alive_server() -> Iterator[tuple[str, list[int]]]:
    """An HTTP/1.1 server that keeps connections open; the client port of each request."""
    ports: list[int] = []
    with json_server(lambda request: ports.append(request.client_address[1])) as port:
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
