"""The Tradovate adapter over the sandbox where watch relies on it: a signature seen once is
remembered in state, a long-lived adapter never plans from stale lists, and while its stream
runs the signals come from the stream instead of extra list calls."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator

import pytest

from reconciler.errors import PlanConflict
from reconciler.plan import Action, Address
from reconciler.providers import StreamStatus, WatchEvent, WatchOptions
from reconciler.workspace import Workspace, open_workspace
from tests.project import Project, calls

USER, TPROP = "tradovate_user", "tradovate_entitlement"


@pytest.fixture
def workspace(project: Project) -> Iterator[Workspace]:
    assert project.run("apply", "--auto-approve").exit_code == 0
    with open_workspace(project.manifests) as opened:
        yield opened


def test_a_signature_seen_once_survives_the_weekly_archive(project: Project) -> None:
    firm = (project.manifests / "firm.yaml").read_text()
    project.write("firm.yaml", firm.replace("t-prop: 12345", "t-prop: 99999"))
    assert project.run("apply", "--auto-approve").exit_code == 0
    project.admin("users/alice.smith/sign-mda")
    failed = project.run("apply", "--auto-approve")  # the entitlement id is wrong: it fails
    assert failed.exit_code == 1
    assert "Entitlement not found" in failed.output
    resources = json.loads(project.state_file.read_text())["resources"]
    assert resources["tradovate_user.alice"]["facts"]["mda_signed"] is True
    project.admin("signals/archive")
    project.write("firm.yaml", firm)
    planned = project.run("plan").output
    assert "! tradovate_entitlement.alice/t-prop" in planned
    assert project.run("apply", "--auto-approve").exit_code == 0


def test_a_long_lived_adapter_reads_fresh_lists_for_each_plan(
    project: Project, workspace: Workspace
) -> None:
    document = workspace.store.read()
    first, _ = workspace.plan(document)
    assert not first.has_changes
    project.admin("accounts/TESTA1/delete")
    second, _ = workspace.plan(document)
    assert [str(c.address) for c in second.changes if c.action.is_change] == [
        "tradovate_account.alice/TESTA1"
    ]


def test_while_the_stream_runs_refresh_and_entitle_use_its_signals(
    project: Project, workspace: Workspace
) -> None:
    adapter = workspace.adapters["tradovate"]
    events: queue.Queue[WatchEvent] = queue.Queue()
    stop = threading.Event()
    thread = threading.Thread(
        target=adapter.watch,  # type: ignore[attr-defined]
        args=(events.put,),
        kwargs={"stop": stop, "options": WatchOptions(heartbeat=0.2)},
    )
    thread.start()
    try:
        assert isinstance(events.get(timeout=5), StreamStatus)
        project.admin("users/alice.smith/sign-mda")
        events.get(timeout=5)  # the signature, pushed live
        project.clear_requests()
        document = workspace.store.read()
        plan, remote = workspace.plan(document)
        assert [str(c.address) for c in plan.changes if c.action.is_change] == [
            "tradovate_entitlement.alice/t-prop"
        ]
        result = workspace.apply(plan, remote, document, sink=lambda _: None)
        assert result.is_complete
    finally:
        stop.set()
        thread.join(5)
    made = calls(project)
    assert not any("adminalertsignal/deps" in call for call in made)
    assert "POST live /v1/adminalertsignal/completealertsignal" in made
    world = project.world()
    assert all(signal["completed"] for signal in world["adminAlertSignals"])


def _alice(workspace: Workspace) -> list[Address]:
    return [a for a in workspace.resources if a.trader == "alice" and a.kind in (USER, TPROP)]


def test_a_targeted_plan_reads_a_few_traders_by_id_and_plans_as_the_lists_would(
    project: Project, workspace: Workspace
) -> None:
    document = workspace.store.read()
    listed, _ = workspace.plan(document, only=_alice(workspace))
    project.clear_requests()
    by_id, _ = workspace.plan(document, only=_alice(workspace), few=True)
    assert by_id.changes == listed.changes
    reads = [c for c in calls(project) if c.startswith("GET") and "/auth/" not in c]
    assert "GET live /v1/user/items" in reads
    assert [c for c in reads if c.endswith("/list")] == [
        "GET live /v1/tradovatesubscriptionplan/list"  # a catalogue, not the firm's users
    ]


def test_an_e_mail_to_change_or_a_user_gone_is_read_from_the_lists(
    project: Project, workspace: Workspace
) -> None:
    document = workspace.store.read()
    stranger = {"name": "stranger", "email": "held@example.com", "password": "correct-horse-1"}
    project.admin("users/create", {**stranger, "firstName": "Some", "lastName": "One"})
    alice = (project.manifests / "traders" / "alice.yaml").read_text()
    project.write("traders/alice.yaml", alice.replace("alice@example.com", "held@example.com"))
    with (
        open_workspace(project.manifests) as changed,
        pytest.raises(PlanConflict, match=r"already held by Tradovate user stranger"),
    ):
        changed.plan(document, only=_alice(changed), few=True)
    project.write("traders/alice.yaml", alice)
    project.admin("users/alice.smith/delete")
    project.clear_requests()
    plan, _ = workspace.plan(document, only=_alice(workspace), few=True)
    assert "GET live /v1/user/list" in calls(project)
    created = [str(c.address) for c in plan.changes if c.action is Action.CREATE]
    assert created == ["tradovate_user.alice"]
