"""Fixtures of the TraderPal Connect tests: one sandbox per test module on a fake clock, its
admin API, raw HTTP access to its users API, and a client whose sleep advances the clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from reconciler.providers.http import make_http_client
from reconciler.providers.traderpal.client import TraderPalClient
from reconciler.providers.traderpal.sandbox import (
    DEFAULT_API_KEY,
    SandboxConfig,
    SandboxServer,
    serve_sandbox,
)
from tests.fakes import FakeClock

Clock = FakeClock
"""The fake clock these tests share (re-exported for the test modules)."""

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC).timestamp()


class Admin:
    """The sandbox's `/_sandbox` API."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=f"{url}/_sandbox")

    def post(self, path: str, body: dict[str, Any] | None = None, *, expect: int = 200) -> Any:
        response = self.http.post(path, json=body or {})
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    def get(self, path: str) -> Any:
        return self.http.get(path).json()

    def requests(self) -> list[dict[str, Any]]:
        """API requests (admin ones left out) since the last clear."""
        return [r for r in self.get("/requests") if r["domain"] == "api"]

    def calls(self) -> list[str]:
        """`METHOD path` of each API request since the last clear."""
        return [f"{r['method']} {r['path']}" for r in self.requests()]

    def user(self, email: str) -> dict[str, Any]:
        found = [u for u in self.get("/world")["users"] if u["email"].lower() == email.lower()]
        assert len(found) == 1, found
        return dict(found[0])

    def reset(self) -> None:
        self.post("/faults/clear")
        self.post("/settings", {"auto_activate": False})
        self.post("/requests/clear")


def unique_email(prefix: str = "trader") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def user_body(**fields: Any) -> dict[str, Any]:
    """A valid create body; `fields` override it (None removes a field)."""
    body: dict[str, Any] = {
        "email": unique_email(),
        "firstName": "Ada",
        "lastName": "Lovelace",
        "dateOfBirth": "1990-01-01",
        "country": "GB",
        "phoneNumber": "+442071234567",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def sandbox(clock: Clock) -> Iterator[SandboxServer]:
    with serve_sandbox(SandboxConfig(), clock=clock) as server:
        yield server


@pytest.fixture
def admin(sandbox: SandboxServer) -> Admin:
    """The admin API, with faults cleared, auto-activation off and the request log empty."""
    admin = Admin(sandbox.url)
    admin.reset()
    return admin


@pytest.fixture
def api(sandbox: SandboxServer, admin: Admin) -> Iterator[httpx.Client]:
    """Raw HTTP to the users API with the default write key."""
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    with httpx.Client(base_url=sandbox.base_url, headers=headers) as http:
        yield http


@pytest.fixture
def client(sandbox: SandboxServer, admin: Admin, clock: Clock) -> Iterator[TraderPalClient]:
    with TraderPalClient(
        http=make_http_client(sandbox.base_url),
        api_key=SecretStr(DEFAULT_API_KEY),
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda: 1.0,
    ) as tp:
        clock.waits.clear()
        yield tp
