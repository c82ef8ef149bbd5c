"""Crash safety: an outcome lost after the platform committed is resolved by natural key."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from reconciler.errors import ProviderUnavailable
from reconciler.providers.base import Batch
from reconciler.providers.tradovate.sandbox import DEFAULT_ADMIN, OTHER_ADMIN, SandboxConfig
from reconciler.workspace import open_workspace
from tests.project import Project


def usernames(project: Project) -> Counter[str]:
    return Counter(u["name"] for u in project.world()["users"])


def open_accounts(project: Project) -> Counter[str]:
    return Counter(a["name"] for a in project.world()["accounts"] if not a["closed"])


def assert_converged(project: Project, *, extra_users: int = 0) -> None:
    """Exactly the declared objects exist once each, and state records exactly them."""
    users = usernames(project)
    assert all(n == 1 for n in users.values()), users
    declared_users = {"alice.smith", "bob.jones", "carol.white"}
    declared_users |= {f"bulk.{i}" for i in range(extra_users)}
    # besides them, only the seeded partner users (this firm's and another firm's)
    assert set(users) == declared_users | {DEFAULT_ADMIN[0], OTHER_ADMIN[0]}
    names = open_accounts(project)
    assert all(n == 1 for n in names.values()), names
    world = project.world()
    for template in world["templateAccountIds"]:
        del names[next(a["name"] for a in world["accounts"] if a["id"] == template)]
    declared = {"TESTA1", "TESTB2", "TESTB3", "TESTC4", *(f"BULK{i}" for i in range(extra_users))}
    assert set(names) == declared
    plan = project.run("plan", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    document = json.loads(project.state_file.read_text())
    assert document["pending"] == {}
    user_ids = {str(u["id"]): u["name"] for u in world["users"]}
    account_ids = {str(a["id"]): a["name"] for a in world["accounts"] if not a["closed"]}
    recorded = document["resources"]
    for address, record in recorded.items():
        if address.startswith("tradovate_user."):
            assert user_ids[record["remote_id"]] == record["natural_key"]
        if address.startswith("tradovate_account."):
            assert account_ids[record["remote_id"]] == address.split("/")[1]
    assert sum(a.startswith("tradovate_user.") for a in recorded) == len(declared_users)
    assert sum(a.startswith("tradovate_account.") for a in recorded) == len(declared)


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


BULK = 101
"""Traders added to the fixture's three: 104 users and 108 accounts, two batches of each."""


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(latency=0.03)


@pytest.fixture
def bulk(project: Project) -> Project:
    project.write(
        "traders/bulk.yaml",
        "".join(
            f"- {{name: bulk{i}, username: bulk.{i}, email: bulk{i}@example.com, "
            f"first_name: Bulk, last_name: Trader{i}, password: {{generate: true}}, "
            f"tradovate: {{accounts: [{{name: BULK{i}, template: eval-50k}}]}}}}\n"
            for i in range(BULK)
        ),
    )
    return project


def state_serial(project: Project) -> int:
    try:
        return int(json.loads(project.state_file.read_bytes())["serial"])
    except (FileNotFoundError, ValueError):
        return 0


def served_writes(project: Project) -> int:
    return sum(
        1
        for r in project.requests()
        if r["method"] == "POST" and "auth/" not in r["path"] and r["domain"] != "admin"
    )


def served_reads(project: Project) -> int:
    return sum(1 for r in project.requests() if r["method"] == "GET")


KILL_POINTS = [
    pytest.param(served_reads, 1, id="during-refresh"),
    *(pytest.param(state_serial, k, id=f"after-state-write-{k}") for k in range(1, 4)),
    *(pytest.param(served_writes, j, id=f"after-platform-write-{j}") for j in range(1, 7)),
]
"""10 points of a 5-batch apply journaled in two rounds (the users' two batches, then the
accounts' and contacts' at once: 4 state writes, 6 platform writes): each round's intents
written (its calls in flight), its outcomes written, each call served by the platform (its
answer on the way or being recorded), and the refresh before anything was written."""


@pytest.mark.parametrize(("progress", "point"), KILL_POINTS)
def test_sigkill_at_any_point_then_apply_again_converges(
    bulk: Project, progress: Callable[[Project], int], point: int
) -> None:
    """Kill -9 once the apply has made `point` steps of `progress`; the next apply ends with
    every declared object exactly once on the platform and state recording exactly those."""
    if progress is served_writes:
        # each answer leaves a quarter second after its commit: the kill lands in that window
        # even after the last write, which the apply otherwise records and exits on at once
        bulk.admin(
            "faults",
            {"method": "POST", "path": "*", "effect": "delay", "seconds": 0.25,
             "after_processing": True, "times": None},
        )  # fmt: skip
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reconciler",
            "--no-color",
            "--manifests",
            str(bulk.manifests),
            "apply",
            "--auto-approve",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + 60
    while progress(bulk) < point:
        assert process.poll() is None, "apply ended before reaching the kill point"
        assert time.monotonic() < deadline
        time.sleep(0.001)
    assert process.poll() is None, "apply ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    result = bulk.run("apply", "--auto-approve")  # the killed holder's lock is taken over
    assert result.exit_code == 0, result.output
    assert_converged(bulk, extra_users=BULK)


def test_a_create_that_commits_late_is_adopted_not_refused(project: Project) -> None:
    """Apply A times out on its create, which the platform still commits later; apply B,
    planned before that commit, is told the users already exist. The next apply adopts them:
    B's refusal does not settle A's unknown outcome (found by the history test's design)."""
    project.admin(
        "faults",
        {"method": "POST", "path": "/live/v1/user/createevaluationusers", "effect": "delay",
         "seconds": 2.0, "times": 2},
    )  # fmt: skip
    timed_out = project.run("--http-timeout", "0.3", "apply", "--auto-approve")
    assert timed_out.exit_code == 1
    assert "timed out" in timed_out.output
    refused = project.run("apply", "--auto-approve")
    assert refused.exit_code == 1
    assert "User already exists" in refused.output
    pending = json.loads(project.state_file.read_text())["pending"]
    assert sorted(op["address"] for op in pending.values()) == [
        "tradovate_user.alice",
        "tradovate_user.bob",
        "tradovate_user.carol",
    ]
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "adopt existing remote object" in result.output
    assert_converged(project)


def test_what_a_lost_create_made_for_traders_backed_out_since_is_offboarded(
    project: Project,
) -> None:
    """The operator removes traders whose create failed with an unknown outcome: the next
    apply finds what that create made by natural key and offboards it, rather than leaving an
    active login nobody declares (found while extending the history test)."""
    project.admin(
        "faults",
        {"method": "POST", "path": "/live/v1/user/createevaluationusers", "effect": "reset",
         "after_processing": True},
    )  # fmt: skip
    assert project.run("apply", "--auto-approve").exit_code == 1
    project.remove("traders/team.yaml")
    planned = project.run("plan").output
    assert planned.count("created by an interrupted apply; no longer declared") == 2
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    world = project.world()
    ids = {u["name"]: u["id"] for u in world["users"]}
    cancelled = {s["userId"] for s in world["tradovateSubscriptions"] if s["cancelledRenewal"]}
    assert {ids["bob.jones"], ids["carol.white"]} <= cancelled
    assert ids["alice.smith"] not in cancelled
    document = json.loads(project.state_file.read_text())
    assert document["pending"] == {}
    assert sorted(document["resources"]) == [
        "tradovate_account.alice/TESTA1",
        "tradovate_contact.alice",
        "tradovate_user.alice",
    ]
    assert project.run("plan", "--detailed-exitcode").exit_code == 0


def test_a_pending_create_survives_an_apply_that_fails_before_resolving_it(
    project: Project,
) -> None:
    """Found by the history test: apply B, planned to adopt what apply A's lost create made,
    failed before reaching it, and had already dropped A's pending operation; the account then
    stayed open, unknown to state, once the manifests stopped declaring it."""
    assert project.run("apply", "--auto-approve").exit_code == 0
    alice = project.manifests / "traders" / "alice.yaml"
    original = alice.read_text()
    alice.write_text(original.replace("- {name: TESTA1, template: eval-50k}",
                                      "- {name: TESTA1, template: eval-50k}\n"
                                      "    - {name: TESTA9, template: eval-50k}"))  # fmt: skip
    project.admin(
        "faults",
        {"method": "POST", "path": "/demo/v1/user/createevaluationaccounts", "effect": "reset",
         "after_processing": True},
    )  # fmt: skip
    assert project.run("apply", "--auto-approve").exit_code == 1  # A: TESTA9 made, answer lost
    alice.write_text(alice.read_text().replace("alice@example.com", "alice@example.org"))
    project.admin(
        "faults",
        {"method": "POST", "path": "/live/v1/user/modifyemailaddress", "status": 429},
    )  # fmt: skip
    failed = project.run("apply", "--auto-approve")  # B: stops at users, before accounts
    assert failed.exit_code == 1
    assert "HTTP 429" in failed.output
    assert "tradovate_account.alice/TESTA9" in json.dumps(
        json.loads(project.state_file.read_text())["pending"]
    )
    project.admin("faults/clear")
    alice.write_text(original.replace("alice@example.com", "alice@example.org"))
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "created by an interrupted apply; no longer declared" in result.output
    assert "TESTA9" not in open_accounts(project)
    assert project.run("plan", "--detailed-exitcode").exit_code == 0
