"""One watch run for a signature, in process against the Tradovate sandbox: it decodes no
record of another trader, reads no state when nothing else wrote since its last run, and
sees what another apply wrote between two runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reconciler.errors import StateLocked
from reconciler.providers import PreconditionMet
from reconciler.state import LocalBackend, ResourceState, StateDocument, StateStore
from reconciler.state.records import Records
from reconciler.watch.runs import RunOptions, run
from reconciler.watch.targets import TraderIndex
from reconciler.workspace import Workspace, open_workspace, planning
from reconciler.workspace.refresh import refresh
from tests.project import ALICE, TEAM, Project
from tests.spying import calls_of
from tests.watch.test_loop import state


@pytest.fixture
def workspace(project: Project) -> Iterator[Workspace]:
    """Alice and Bob wait for their signatures (T-Prop is declared for both)."""
    accounts = "      - {name: TESTB3, template: eval-100k}\n"
    project.write(
        "traders/team.yaml", TEAM.replace(accounts, accounts + "    entitlements: [t-prop]\n")
    )
    assert project.run("apply", "--auto-approve").exit_code == 0
    with open_workspace(project.manifests) as opened:
        yield opened


def signed(project: Project, trader: str, username: str) -> PreconditionMet:
    """The trader signs; the event the stream reports for it."""
    project.admin(f"users/{username}/sign-mda")
    return PreconditionMet(
        kind="tradovate_user",
        remote_id=state(project)[f"tradovate_user.{trader}"]["remote_id"],
        natural_key=username,
        facts={"mda_signed": True},
        unblocks=("tradovate_entitlement",),
        detail="signed",
    )


def run_for(workspace: Workspace, index: TraderIndex, event: PreconditionMet) -> list[str]:
    """One targeted run; the names of the status lines it wrote."""
    lines: list[tuple[str, dict[str, Any]]] = []
    run(
        workspace,
        [event],
        RunOptions(None, lock_timeout=5.0),
        index=index,
        status=lambda name, **details: lines.append((name, details)),
        beat=lambda: None,
        is_stopping=lambda: False,
    )
    errors = [details for name, details in lines if name == "error"]
    assert not errors
    return [name for name, _ in lines]


def counted_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Each read of the local state's document from now on, listed (the backend read)."""
    return calls_of(monkeypatch, LocalBackend, "read_document")


def test_a_run_decodes_only_the_signers_records(
    project: Project, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = TraderIndex(workspace.resources, workspace.store.read())  # as the loop starts
    event = signed(project, "alice", "alice.smith")
    decoded: list[str] = []
    model, passing = Records._model, Records.passing

    def counted_model(self: Records, address: str, raw: str) -> ResourceState:
        decoded.append(address)
        return model(self, address, raw)

    def counted_passing(self: Records, address: str, raw: str) -> ResourceState:
        decoded.append(address)
        return passing(self, address, raw)

    monkeypatch.setattr(Records, "_model", counted_model)
    monkeypatch.setattr(Records, "passing", counted_passing)

    assert "applied" in run_for(workspace, index, event)

    assert decoded
    assert {address.partition(".")[2].partition("/")[0] for address in decoded} == {"alice"}
    assert "tradovate_entitlement.alice/t-prop" in state(project)


def test_what_a_run_did_is_reported_once_the_state_lock_is_let_go(
    project: Project, workspace: Workspace
) -> None:
    """Whoever acts on `applied` or `recorded` (an apply of its own) finds state free; the
    progress of the run (`planned`, each change) is reported as it goes, under the lock."""
    index = TraderIndex(workspace.resources, None)
    free: dict[str, bool] = {}

    def status(name: str, **details: Any) -> None:
        try:
            with (
                open_workspace(project.manifests, connect=False) as other,
                other.store.lock(command="apply", timeout=0.0),
            ):
                free[name] = True
        except StateLocked:
            free[name] = False

    run(
        workspace,
        [signed(project, "alice", "alice.smith")],
        RunOptions(None, lock_timeout=5.0),
        index=index,
        status=status,
        beat=lambda: None,
        is_stopping=lambda: False,
    )

    assert free["applied"] is True
    assert free["recorded"] is True
    assert free["planned"] is False
    assert free["change"] is False


def test_a_run_reads_no_state_when_nothing_else_wrote(
    project: Project, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = TraderIndex(workspace.resources, None)
    run_for(workspace, index, signed(project, "alice", "alice.smith"))
    reads = counted_reads(monkeypatch)

    assert "applied" in run_for(workspace, index, signed(project, "bob", "bob.jones"))

    assert reads == []
    assert "tradovate_entitlement.bob/t-prop" in state(project)


def test_what_another_apply_wrote_between_two_runs_is_seen(
    project: Project, workspace: Workspace
) -> None:
    index = TraderIndex(workspace.resources, None)
    run_for(workspace, index, signed(project, "alice", "alice.smith"))
    project.write("traders/alice.yaml", ALICE.replace("city: Chicago", "city: Evanston"))
    assert project.run("apply", "--auto-approve").exit_code == 0  # another process, meanwhile

    assert "applied" in run_for(workspace, index, signed(project, "bob", "bob.jones"))

    recorded = state(project)
    assert recorded["tradovate_contact.alice"]["attributes"]["city"] == "Evanston"
    assert "tradovate_entitlement.alice/t-prop" in recorded
    assert "tradovate_entitlement.bob/t-prop" in recorded


def run_full(workspace: Workspace, index: TraderIndex, events: list[PreconditionMet]) -> None:
    """One full run (as at the start, or on the interval) for `events`."""
    lines: list[tuple[str, dict[str, Any]]] = []
    run(
        workspace,
        events,
        RunOptions("start", lock_timeout=5.0),
        index=index,
        status=lambda name, **details: lines.append((name, details)),
        beat=lambda: None,
        is_stopping=lambda: False,
    )
    assert not [details for name, details in lines if name == "error"]


def test_a_full_run_lets_the_records_go_while_it_refreshes_and_reads_them_again(
    project: Project, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large firm's peak is the full plan's refresh: the records' texts are not held then.
    State is read again once planned, so the next event is answered without a read."""
    released: list[int] = []
    release = StateStore.release
    refreshed: list[tuple[int, int]] = []  # texts held, records decoded when the refresh starts

    def counted(self: StateStore, document: StateDocument) -> None:
        released.append(len(document.resources.raw))
        release(self, document)

    def watched(*args: Any, **kwargs: Any) -> Any:
        refreshed.append((len(args[2].resources.raw), len(args[3])))
        return refresh(*args, **kwargs)

    monkeypatch.setattr(StateStore, "release", counted)
    monkeypatch.setattr(planning, "refresh", watched)
    index = TraderIndex(workspace.resources, None)
    before = state(project)

    run_full(workspace, index, [])

    assert released == [0]  # each record's text was let go as it was decoded
    assert refreshed == [(0, len(before))]
    assert state(project) == before
    reads = counted_reads(monkeypatch)
    assert "applied" in run_for(workspace, index, signed(project, "alice", "alice.smith"))
    assert reads == []
    assert set(state(project)) == {*before, "tradovate_entitlement.alice/t-prop"}


def test_a_full_run_with_a_fact_to_write_keeps_the_records(
    project: Project, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signature the run must write, with the records it read: none is let go."""
    released: list[StateDocument] = []
    monkeypatch.setattr(StateStore, "release", lambda _, document: released.append(document))
    before = state(project)

    run_full(
        workspace, TraderIndex(workspace.resources, None), [signed(project, "bob", "bob.jones")]
    )

    assert released == []
    after = state(project)
    assert set(after) == {*before, "tradovate_entitlement.bob/t-prop"}
    assert after["tradovate_user.bob"]["facts"]["mda_signed"] is True
