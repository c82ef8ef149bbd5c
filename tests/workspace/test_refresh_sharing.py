"""What a refresh of an unchanged firm holds: facts and attributes alike the recorded ones are
the recorded mappings (a large firm's refresh holds one copy of each, not two)."""

from __future__ import annotations

from reconciler.plan import Address
from reconciler.state import ResourceState, StateDocument
from reconciler.workspace import open_workspace
from reconciler.workspace.facts import FACTS_SHARED_PER_KIND
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


def _record(facts: dict[str, object]) -> ResourceState:
    return ResourceState(remote_id="1", attributes={}, facts=facts, updated_at="x")


def test_records_of_a_kind_with_alike_facts_share_one_mapping() -> None:
    """A TraderPal user's verification is one of two values among a firm's users: one mapping
    each; a kind whose facts hold an id of each record keeps each its own, and values of
    other types (True is not 1) are never taken for one another."""
    records = {
        **{f"traderpal_user.p{i}": _record({"verification": "pending"}) for i in range(3)},
        "traderpal_user.v": _record({"verification": "verified"}),
        "traderpal_user.one": _record({"verification": 1}),
        "traderpal_user.true": _record({"verification": True}),
        "traderpal_user.none": _record({}),
        **{
            f"tradovate_account.a{i}/A": _record({"trading_permission_id": i})
            for i in range(FACTS_SHARED_PER_KIND + 10)
        },
        **{f"tradovate_account.b{i}/B": _record({"trading_permission_id": 1}) for i in range(2)},
    }

    recorded = recorded_of(StateDocument.new(), records)

    facts = {str(a): r.facts for a, r in recorded.items()}
    assert {k: dict(v) for k, v in facts.items()} == {k: r.facts for k, r in records.items()}
    pending = [facts[f"traderpal_user.p{i}"] for i in range(3)]
    assert pending[0] is pending[1] is pending[2]
    assert facts["traderpal_user.v"] is not pending[0]
    assert type(facts["traderpal_user.one"]["verification"]) is int
    assert type(facts["traderpal_user.true"]["verification"]) is bool
    # past the kind's limit, alike facts are no longer looked for: each record keeps its own
    assert facts["tradovate_account.b0/B"] is not facts["tradovate_account.b1/B"]
    assert facts["tradovate_account.a1/A"] is not facts["tradovate_account.b0/B"]


def test_an_object_the_platform_shows_as_recorded_is_the_record_itself(project: Project) -> None:
    """An unchanged user, contact or account is one object in memory, the record, not a
    record and a Remote alike; an object the platform shows otherwise is a Remote of its own."""
    assert project.run("apply", "--auto-approve").exit_code == 0
    project.admin("accounts/TESTB2/update", {"dailyLossAutoLiq": 1234.0})
    unchanged = [
        Address.parse(text)
        for text in (
            "tradovate_user.bob",
            "tradovate_contact.bob",
            "tradovate_account.alice/TESTA1",
            "tradovate_account.bob/TESTB3",
        )
    ]
    changed = Address.parse("tradovate_account.bob/TESTB2")

    with open_workspace(project.manifests) as workspace:
        document = workspace.store.read()
        recorded = recorded_of(document, known=workspace.resources)
        remote = refresh(workspace.adapters, workspace.resources, document, recorded)

    assert all(remote[address] is recorded[address] for address in unchanged)
    assert remote[changed] is not recorded[changed]
    assert remote[changed].remote_id == recorded[changed].remote_id
    result = project.run("plan", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert "TESTB2" in result.output
    assert "TESTB3" not in result.output
