"""A paced apply: more calls than the sandbox allows per minute, and not one 429 or ticket.

The sandboxes and the pacer share a fake clock that moves only when the pacer sleeps, so a run
that needs minutes of pacing takes a second.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Any

import httpx
import pytest

from reconciler.errors import RateLimited
from reconciler.providers.tradervue import sandbox as tradervue
from reconciler.providers.tradovate.sandbox import (
    DEFAULT_ADMIN,
    EndpointLimit,
    Limits,
    SandboxConfig,
    UserLimit,
    serve_sandbox,
)
from reconciler.workspace import open_workspace

TRADERS = 40
PER_MINUTE = 30
CONTACTS_PER_MINUTE = 20


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self._lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def limited_tradovate() -> SandboxConfig:
    huge = 10**9
    endpoints = {
        **Limits().endpoints,
        "contactinfo/updatecontactinfo": EndpointLimit(
            CONTACTS_PER_MINUTE, 1, counts_success=True, window_seconds=60.0
        ),
    }
    limits = Limits(
        authenticated=UserLimit(per_second=huge, per_minute=PER_MINUTE, per_hour=huge),
        endpoints=MappingProxyType(endpoints),
    )
    return SandboxConfig(limits=limits)


def firm(url: str, platform: str, *, declared: bool) -> str:
    """A Firm on one platform (with one worker, the fake clock moves only between requests)."""
    limits = {
        "tradovate": f"""
    tradovate:
      - {{endpoint: all, limit: {PER_MINUTE}, per_seconds: 60}}
      - {{endpoint: contactinfo/updatecontactinfo, limit: {CONTACTS_PER_MINUTE},
         per_seconds: 60}}""",
        "tradervue": f"""
    tradervue: [{{limit: {PER_MINUTE}, per_seconds: 60}}]""",
    }
    name, password, sec = DEFAULT_ADMIN
    providers = {
        "tradovate": f"""
  tradovate:
    environment: {{live_url: "{url}/live/v1", demo_url: "{url}/demo/v1"}}
    credentials: {{name: {name}, password: {password}, sec: {sec}}}
    subscription_plan: SANDBOX_MONTHLY
    account_templates:
      eval: {{template_account_id: 1002, initial_balance: 50000}}""",
        "tradervue": f"""
  tradervue:
    environment: {{base_url: "{url}/api/v1"}}
    credentials: {{username: sandbox-manager, password: sandbox-not-a-secret}}""",
    }
    settings = f"\n  rate_limits:{limits[platform]}" if declared else " {}"
    return f"kind: Firm\nname: paced\nsettings:{settings}\nproviders:{providers[platform]}\n"


def traders(platform: str) -> str:
    blocks = {
        "tradovate": """
  contact: {{phone: "+15550000{i:03d}", street_address1: 1 Main St, city: Chicago,
            state: IL, country: US}}
  tradovate: {{accounts: [{{name: PACED{i}, template: eval}}]}}""",
        "tradervue": """
  tradervue: {{plan: Silver}}""",
    }
    return "".join(
        f"""- name: t{i}
  username: trader{i}
  email: trader{i}@example.com
  first_name: Paced
  last_name: Trader{i}
  password: {{generate: true}}"""
        + blocks[platform].format(i=i)
        + "\n"
        for i in range(TRADERS)
    )


def apply(manifests: Path, time: FakeTime) -> None:
    with open_workspace(manifests, clock=time.clock, sleep=time.sleep) as workspace:
        document = workspace.store.read()
        plan, remote = workspace.plan(document)
        result = workspace.apply(plan, remote, document, sink=lambda event: None, workers=1)
        assert result.is_complete, result.failed


def api_calls(url: str) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = httpx.get(f"{url}/_sandbox/requests").json()
    return [entry for entry in log if entry["domain"] != "admin"]


@contextmanager
def platform_with_limits(platform: str, time: FakeTime) -> Iterator[str]:
    """The platform's sandbox, allowing PER_MINUTE calls (and Tradovate contacts fewer)."""
    if platform == "tradovate":
        with serve_sandbox(limited_tradovate(), clock=time.clock) as server:
            yield server.url
    else:
        config = tradervue.SandboxConfig(rate_limit=tradervue.SandboxRateLimit(PER_MINUTE, 60.0))
        with tradervue.serve_sandbox(config, clock=time.clock) as server:
            yield server.url


def write(tmp_path: Path, url: str, platform: str, *, declared: bool) -> Path:
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "firm.yaml").write_text(firm(url, platform, declared=declared))
    (manifests / "traders.yaml").write_text(traders(platform))
    return manifests


@pytest.mark.parametrize("platform", ["tradovate", "tradervue"])
def test_paced_apply_makes_more_calls_than_a_minute_allows_without_a_429(
    tmp_path: Path, platform: str
) -> None:
    time = FakeTime()
    with platform_with_limits(platform, time) as url:
        manifests = write(tmp_path, url, platform, declared=True)
        started = time.now
        apply(manifests, time)
        calls = api_calls(url)
        limits = httpx.get(f"{url}/_sandbox/limits").json() if platform == "tradovate" else {}
    assert len(calls) > PER_MINUTE
    assert not [c for c in calls if c["status"] == 429]
    if platform == "tradovate":
        contacts = [c for c in calls if c["path"].endswith("/updatecontactinfo")]
        assert len(contacts) == TRADERS > CONTACTS_PER_MINUTE  # no ticket: no resend
        assert limits == {"refused": 0, "tickets": 0}
    assert time.now - started > 60  # it had to wait for the next window


@pytest.mark.parametrize("platform", ["tradovate", "tradervue"])
def test_the_same_apply_without_the_declared_limits_is_refused(
    tmp_path: Path, platform: str
) -> None:
    """The control: what the pacing avoids is real."""
    time = FakeTime()
    with platform_with_limits(platform, time) as url:
        manifests = write(tmp_path, url, platform, declared=False)
        with pytest.raises(RateLimited):
            apply(manifests, time)
