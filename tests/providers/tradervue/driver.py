"""Helpers shared by the Tradervue tests: a fake clock and a driver for a running sandbox (its
users API as the manager, and its `/_sandbox` admin API)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx

from reconciler.providers.tradervue.sandbox import (
    DEFAULT_MANAGER,
    SandboxConfig,
    SandboxServer,
    serve_sandbox,
)
from tests.fakes import FakeClock

Clock = FakeClock
"""The fake clock these tests share (re-exported for the test modules)."""

MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC).timestamp()
"""The fake clock's start: Monday 2 March 2026, 08:00 UTC."""
MANAGER_ID = 10000
OUTSIDER_ID = 10001
USER_AGENT = "tests (tests@example.com)"


class Driver:
    """A running sandbox: `api` speaks as the manager, `admin` to `/_sandbox`."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.api = httpx.Client(
            base_url=server.base_url,
            auth=DEFAULT_MANAGER,
            headers={"User-Agent": USER_AGENT},
        )
        self.admin_client = httpx.Client(base_url=f"{server.url}/_sandbox")

    def close(self) -> None:
        self.api.close()
        self.admin_client.close()

    def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.admin_client.request(method, path, json=body)

    def create(self, username: str, /, **fields: Any) -> int:
        """Create a user as the manager; its id (the call must succeed)."""
        body = new_user(username, **fields)
        response = self.api.post("/users", json=body)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def debug(self, username: str) -> dict[str, Any]:
        """What the API never shows (settings, trial end) from the debug route."""
        response = self.admin("GET", f"/users/{username}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def requests(self) -> list[tuple[str, str, str, int]]:
        """(method, domain, path, status) of every request since the last clear."""
        log = self.admin("GET", "/requests").json()
        return [(r["method"], r["domain"], r["path"], r["status"]) for r in log]

    def clear_requests(self) -> None:
        self.admin("POST", "/requests/clear")


def new_user(username: str, /, **fields: Any) -> dict[str, Any]:
    """A valid creation body for `username`, with `fields` overriding or adding keys."""
    body: dict[str, Any] = {
        "username": username,
        "plan": "Silver",
        "email": f"{username}@example.com",
        "password": "correct-horse",
    }
    body.update(fields)
    return body


@contextmanager
def running(config: SandboxConfig | None = None, *, clock: Clock | None = None) -> Iterator[Driver]:
    with serve_sandbox(config, clock=clock or Clock()) as server:
        driver = Driver(server)
        try:
            yield driver
        finally:
            driver.close()
