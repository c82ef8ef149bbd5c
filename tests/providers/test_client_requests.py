"""What a platform client sends: no cookie an answer set (platforms take their credentials in
a header), and each request target joined to the base URL, the same way every time."""

from __future__ import annotations

import http.server
from collections.abc import Iterator

import pytest

from reconciler.providers.http import MERGED_URLS, make_http_client
from tests.providers.served import json_server


@pytest.fixture
def recording_server() -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
    """A server whose answers set a cookie; the target and Cookie header of each request."""
    seen: list[tuple[str, str | None]] = []

    def record(request: http.server.BaseHTTPRequestHandler) -> None:
        seen.append((request.path, request.headers.get("Cookie")))

    with json_server(record, {"Set-Cookie": "session=abc123; Path=/"}) as port:
        yield f"http://127.0.0.1:{port}/api/v1", seen


def test_a_cookie_an_answer_sets_is_never_sent_back(
    recording_server: tuple[str, list[tuple[str, str | None]]],
) -> None:
    url, seen = recording_server
    with make_http_client(url) as client:
        first = client.get("/login")
        client.get("/users").raise_for_status()
        assert "session=abc123" in first.headers["Set-Cookie"]
        assert [cookie for _, cookie in seen] == [None, None]
        assert not client.cookies
        with pytest.raises(TypeError):
            client.cookies = {"session": "abc123"}


def test_each_target_is_joined_to_the_base_url_every_time(
    recording_server: tuple[str, list[tuple[str, str | None]]],
) -> None:
    url, seen = recording_server
    others = [f"/users/{n}" for n in range(MERGED_URLS + 5)]  # more than are kept joined
    with make_http_client(url) as client:
        for target in ["/users", "users", "/users", *others, "/users"]:
            client.get(target).raise_for_status()
        client.get("/users", params={"page": "2"}).raise_for_status()
        client.get("/users").raise_for_status()
    paths = [path for path, _ in seen]
    assert paths[:3] == ["/api/v1/users"] * 3
    assert paths[3:-3] == [f"/api/v1{target}" for target in others]
    assert paths[-3:] == ["/api/v1/users", "/api/v1/users?page=2", "/api/v1/users"]
