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


def test_a_user_shown_as_recorded_is_the_recorded_mapping(project: Project) -> None:
    """A generated password is never shown nor recorded, so a user's attributes cannot be the
    declared mapping; they are the recorded one, unless the platform shows something else.
    Alice's password is a reference: state keeps its digest, which the platform does not
    show, and a plan reads from state anyway; her attributes are the recorded mapping too."""
    assert project.run("apply", "--auto-approve").exit_code == 0
    project.admin("users/carol.white/update", {"email": "carol@elsewhere.com"})
    alice, bob, carol = (Address.parse(f"tradovate_user.{n}") for n in ("alice", "bob", "carol"))

    with open_workspace(project.manifests) as workspace:
        document = workspace.store.read()
        recorded = recorded_of(document, known=workspace.resources)
        remote = refresh(workspace.adapters, workspace.resources, document, recorded)

    assert remote[bob].attributes is recorded[bob].attributes
    assert remote[alice].attributes is recorded[alice].attributes
    assert "password" in recorded[alice].attributes
    assert remote[carol].attributes is not recorded[carol].attributes
    assert remote[carol].attributes["email"] == "carol@elsewhere.com"


def test_an_account_shown_as_recorded_is_the_recorded_mapping_and_id(project: Project) -> None:
    """The platform does not show an account's template nor its initial balance; when it
    shows everything else as recorded, the account's attributes and remote id are the
    recorded ones (a large firm's refresh holds one copy of each, not two). An account whose
    risk changed on the platform shows what the platform has, without them."""
    assert project.run("apply", "--auto-approve").exit_code == 0
    project.admin("accounts/TESTB2/update", {"dailyLossAutoLiq": 1234.0})
    alice, bob = (Address.parse(f"tradovate_account.{n}") for n in ("alice/TESTA1", "bob/TESTB2"))

    with open_workspace(project.manifests) as workspace:
        document = workspace.store.read()
        recorded = recorded_of(document, known=workspace.resources)
        remote = refresh(workspace.adapters, workspace.resources, document, recorded)

    assert {"template", "initial_balance"} <= recorded[alice].attributes.keys()
    assert remote[alice].attributes is recorded[alice].attributes
    assert remote[alice].remote_id is recorded[alice].remote_id
    assert remote[bob].attributes is not recorded[bob].attributes
    assert "template" not in remote[bob].attributes
    assert remote[bob].attributes["post_trade_risk"]["daily_loss_auto_liq"] == 1234.0
