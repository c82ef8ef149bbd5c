"""What a refresh of an unchanged firm holds: facts and attributes alike the recorded ones are
the recorded mappings (a large firm's refresh holds one copy of each, not two)."""

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


def test_a_user_shown_alike_the_recorded_one_is_the_recorded_mapping(project: Project) -> None:
    """A generated password is never shown nor recorded, so a user's attributes cannot be the
    declared mapping; they are the recorded one, unless the platform shows something else
    (alice's password is a reference: state keeps its digest, and the platform shows none)."""
    assert project.run("apply", "--auto-approve").exit_code == 0
    project.admin("users/carol.white/update", {"email": "carol@elsewhere.com"})
    alice, bob, carol = (Address.parse(f"tradovate_user.{n}") for n in ("alice", "bob", "carol"))

    with open_workspace(project.manifests) as workspace:
        document = workspace.store.read()
        recorded = recorded_of(document, known=workspace.resources)
        remote = refresh(workspace.adapters, workspace.resources, document, recorded)

    assert remote[bob].attributes is recorded[bob].attributes
    assert remote[alice].attributes is not recorded[alice].attributes
    assert remote[carol].attributes is not recorded[carol].attributes
    assert remote[carol].attributes["email"] == "carol@elsewhere.com"
