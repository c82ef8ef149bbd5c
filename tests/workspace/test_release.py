"""A plan or a drift report, which write nothing, let the state's records go once they have
read them: the same plan, wait starts and report, and a store that never takes the emptied
document for what is stored."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.plan import Action
from reconciler.state import (
    LocalBackend,
    RecordParts,
    ResourceState,
    StateStore,
    decoded_parts,
)
from reconciler.state.records import Records
from reconciler.workspace import open_workspace, records
from tests.project import ALICE, Project


def test_a_plan_that_releases_the_records_is_the_plan_that_keeps_them(project: Project) -> None:
    assert project.run("apply", "--auto-approve").exit_code == 0
    project.write("traders/alice.yaml", ALICE.replace("city: Chicago", "city: Boston"))

    with open_workspace(project.manifests) as workspace:
        kept, _ = workspace.plan(workspace.store.read())
        document = workspace.store.read()
        released, _ = workspace.plan(document, release=True)

        assert len(document.resources) == 0  # only the header is left
        assert (document.lineage, document.serial) == (kept.lineage, kept.serial)
        again = workspace.store.read(reuse=True)  # read anew: not the emptied document
        assert again is not document
        assert len(again.resources) > 0

    assert replace(released, created_at=kept.created_at) == kept  # made in another second
    assert dict(released.wait_starts) == dict(kept.wait_starts)
    assert set(kept.wait_starts) == {"alice"}  # waiting for the signature since her user
    changed = [c for c in released.changes if c.action not in (Action.NOOP, Action.WAIT)]
    assert [(str(c.address), c.action) for c in changed] == [
        ("tradovate_contact.alice", Action.UPDATE)
    ]


def test_drift_decodes_the_records_once_and_may_let_them_go(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert project.run("apply", "--auto-approve").exit_code == 0
    project.admin("users/carol.white/update", {"email": "carol@elsewhere.com"})
    passes: list[int] = []

    def counted(of: Records, *, drain: bool = False) -> Iterator[tuple[str, RecordParts]]:
        passes.append(len(of))
        return decoded_parts(of, drain=drain)

    with open_workspace(project.manifests) as workspace:
        monkeypatch.setattr(records, "decoded_parts", counted)
        kept = workspace.drift(workspace.store.read())
        assert len(passes) == 1  # one pass over the records for the refresh and the report
        document = workspace.store.read()
        released = workspace.drift(document, release=True)

    assert passes[0] > 0
    assert len(document.resources) == 0
    assert replace(released, created_at=kept.created_at) == kept
    assert [str(item.address) for item in released.items] == ["tradovate_user.carol"]


RECORDS = 20_000


def _large_state(folder: Path) -> None:
    store = StateStore(LocalBackend(folder, journal_from=1 << 40))
    editor = store.read().edit()
    for index in range(RECORDS):
        name = f"trader{index:06d}"
        record = ResourceState(
            remote_id=str(index),
            natural_key=name,
            attributes={"username": name, "email": f"{name}@example.com", "plan": "Gold"},
            facts={"signed": True},
            updated_at="2026-01-01T00:00:00+00:00",
        )
        editor.put(f"tradervue_user.t{index:06d}", record)
    store.write(editor.snapshot())


def _decoding_peak(folder: Path, *, drain: bool) -> tuple[int, int]:
    """The records' texts as read, and the bytes above those held once read at the peak of
    decoding them (traced from before the read: texts let go count)."""
    tracemalloc.start()
    try:
        document = StateStore(LocalBackend(folder)).read()
        texts = sum(len(text) for text in document.resources.raw.values())
        start = tracemalloc.get_traced_memory()[0]
        recorded = records.recorded_of(document, drain=drain)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(recorded) == RECORDS
    assert len(document.resources) == (0 if drain else RECORDS)
    return texts, peak - start


def test_a_run_that_writes_nothing_lets_each_text_go_as_it_is_decoded(tmp_path: Path) -> None:
    """Decoding every record for a plan that writes nothing never holds all the records'
    texts and all they decode to at once (a large state's read peaked there)."""
    _large_state(tmp_path)

    texts, with_texts = _decoding_peak(tmp_path, drain=False)
    _, texts_let_go = _decoding_peak(tmp_path, drain=True)

    assert texts_let_go < with_texts - texts / 2
    assert records.recorded_of(StateStore(LocalBackend(tmp_path)).read()) == records.recorded_of(
        StateStore(LocalBackend(tmp_path)).read(), drain=True
    )
