"""A plan that writes nothing lets the state's records go once it has read them: the same plan,
the same wait starts and guardrails, and a store that never takes the emptied document for
what is stored."""

from __future__ import annotations

from reconciler.plan import Action
from reconciler.workspace import open_workspace
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

    assert released == kept
    assert dict(released.wait_starts) == dict(kept.wait_starts)
    assert set(kept.wait_starts) == {"alice"}  # waiting for the signature since her user
    changed = [c for c in released.changes if c.action not in (Action.NOOP, Action.WAIT)]
    assert [(str(c.address), c.action) for c in changed] == [
        ("tradovate_contact.alice", Action.UPDATE)
    ]
