"""What a refresh of an unchanged firm holds: facts alike the recorded ones are the recorded
mappings (a large firm's refresh holds one copy of each, not two)."""

from __future__ import annotations

from reconciler.plan import Address
from reconciler.workspace import open_workspace
from reconciler.workspace.records import recorded_of
from reconciler.workspace.refresh import refresh
from tests.project import Project


def test_facts_an_unchanged_account_shows_are_the_recorded_mapping(project: Project) -> None:
    assert project.run("apply", "--auto-approve").exit_code == 0
    account = Address.parse("tradovate_account.alice/TESTA1")

    with open_workspace(project.manifests) as workspace:
        document = workspace.store.read()
        recorded = recorded_of(document, known=workspace.resources)
        remote = refresh(workspace.adapters, workspace.resources, document, recorded)

    assert "trading_permission_id" in remote[account].facts
    assert remote[account].facts is recorded[account].facts
