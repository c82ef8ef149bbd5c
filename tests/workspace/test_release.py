"""A plan or a drift report, which write nothing, let the state's records go once they have
read them: the same plan, wait starts and report, and a store that never takes the emptied
document for what is stored."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from reconciler.plan import Action
from reconciler.state import RecordParts, decoded_parts
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

    def counted(of: Records) -> Iterator[tuple[str, RecordParts]]:
        passes.append(len(of))
        return decoded_parts(of)

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
