"""Crash safety: an outcome lost after the platform committed is resolved by natural key."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import pytest

from reconciler.errors import ProviderUnavailable
from reconciler.providers.base import Batch
from reconciler.providers.tradovate.sandbox import SandboxConfig
from reconciler.workspace import open_workspace
from tests.project import Project


def usernames(project: Project) -> Counter[str]:
    return Counter(u["name"] for u in project.world()["users"])


def open_accounts(project: Project) -> Counter[str]:
    return Counter(a["name"] for a in project.world()["accounts"] if not a["closed"])


def assert_converged(project: Project) -> None:
    """Exactly the declared objects exist once each, and state matches the platform."""
    assert all(n == 1 for n in usernames(project).values()), usernames(project)
    names = open_accounts(project)
    assert all(n == 1 for n in names.values()), names
    for name in ("TESTA1", "TESTB2", "TESTB3", "TESTC4"):
        assert names[name] == 1
    plan = project.run("plan", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    document = json.loads(project.state_file.read_text())
    assert document["pending"] == {}


def test_lost_create_response_is_adopted_on_the_next_apply(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_workspace(project.manifests) as workspace:
        adapter = workspace.adapters["tradovate"]
        real = adapter.execute

        def lossy(batch: Batch) -> Any:
            results = real(batch)
            if batch.kind == "tradovate_user":
                raise ProviderUnavailable(
                    "connection reset", provider="tradovate", operation="user/createevaluationusers"
                )
            return results

        monkeypatch.setattr(adapter, "execute", lossy)
        with workspace.store.lock(command="test"):
            document = workspace.store.read()
            plan, remote = workspace.plan(document)
            with pytest.raises(ProviderUnavailable):
                workspace.apply(plan, remote, document, sink=lambda event: None)
    pending = json.loads(project.state_file.read_text())["pending"]
    assert sorted(op["address"] for op in pending.values()) == [
        "tradovate_user.alice",
        "tradovate_user.bob",
        "tradovate_user.carol",
    ]
    planned = project.run("plan").output
    assert "interrupted apply" in planned
    assert "adopt existing remote object" in planned
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert_converged(project)


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(latency=0.05)


@pytest.mark.parametrize("delay", [0.2, 0.45, 0.7, 0.95, 1.2], ids=lambda d: f"kill-at-{d}s")
def test_sigkill_during_apply_then_apply_again_converges(project: Project, delay: float) -> None:
    """Kill -9 at several points of an apply; the next apply ends with each object once."""
    command = [
        sys.executable,
        "-m",
        "reconciler",
        "--no-color",
        "--manifests",
        str(project.manifests),
        "apply",
        "--auto-approve",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy()
    )
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    result = project.run("apply", "--auto-approve")
    stale = re.search(r"stale: process \d+ is gone.*reconciler state unlock (\S+)\)", result.output)
    if stale:  # killed while holding the lock: the operator releases it explicitly
        assert project.run("state", "unlock", stale.group(1)).exit_code == 0
        result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert_converged(project)
