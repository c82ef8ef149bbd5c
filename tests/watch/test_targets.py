"""What watch events ask of state and of a plan, as pure functions of values."""

from __future__ import annotations

from collections.abc import ValuesView

from reconciler.plan import Action, Address, Change, DesiredResource, Plan
from reconciler.providers import PreconditionMet
from reconciler.state import ResourceState, StateDocument
from reconciler.watch.targets import (
    TraderIndex,
    counts,
    find_trader,
    remember,
    target_addresses,
    targeted,
)

USER, CONTACT, ENTITLEMENT = "tradovate_user", "tradovate_contact", "tradovate_entitlement"


def signed(remote_id: str = "7", natural_key: str | None = None) -> PreconditionMet:
    return PreconditionMet(
        kind=USER,
        remote_id=remote_id,
        natural_key=natural_key,
        facts={"mda_signed": True},
        unblocks=(ENTITLEMENT,),
        detail="signed",
    )


def resource(address: Address, key: str, *depends_on: Address) -> DesiredResource:
    return DesiredResource(address, {}, key, depends_on=depends_on)


ALICE_USER = Address(USER, "alice")
ALICE_CONTACT = Address(CONTACT, "alice")
ALICE_TPROP = Address(ENTITLEMENT, "alice", "t-prop")
BOB_USER = Address(USER, "bob")
RESOURCES = {
    r.address: r
    for r in (
        resource(ALICE_USER, "alice.smith"),
        resource(ALICE_CONTACT, "alice.smith", ALICE_USER),
        resource(ALICE_TPROP, "alice.smith/12345", ALICE_USER, ALICE_CONTACT),
        resource(Address("tradovate_account", "alice", "A1"), "alice.smith/A1", ALICE_USER),
        resource(BOB_USER, "bob.jones"),
    )
}


def state(**records: ResourceState) -> StateDocument:
    return StateDocument.new().model_copy(update={"resources": records})


def record(remote_id: str, **facts: object) -> ResourceState:
    return ResourceState(remote_id=remote_id, attributes={}, facts=facts, updated_at="now")


def test_the_trader_is_found_by_recorded_id_then_by_natural_key() -> None:
    document = state(**{"tradovate_user.alice": record("7")})
    assert find_trader(signed("7"), RESOURCES, document) == "alice"
    assert find_trader(signed("8", "bob.jones"), RESOURCES, document) == "bob"
    assert find_trader(signed("8", "carol.white"), RESOURCES, document) is None
    assert find_trader(signed("8"), RESOURCES, document) is None


def test_facts_are_merged_into_the_record_once() -> None:
    document = state(**{"tradovate_user.alice": record("7", natural_key="alice.smith")})
    updated = remember(document, [(signed("7"), "alice"), (signed("9"), "bob")])
    assert updated is not None
    assert updated.resources["tradovate_user.alice"].facts == {
        "natural_key": "alice.smith",
        "mda_signed": True,
    }
    assert "tradovate_user.bob" not in updated.resources  # no record: nothing to remember on
    assert remember(updated, [(signed("7"), "alice")]) is None


def test_targets_are_the_unblocked_resources_their_dependencies_and_the_signer() -> None:
    assert target_addresses([(signed(), "alice")], RESOURCES) == {
        ALICE_USER,
        ALICE_CONTACT,
        ALICE_TPROP,
    }
    assert target_addresses([(signed(), "bob")], RESOURCES) == {BOB_USER}


def test_a_targeted_plan_keeps_its_targets_and_never_cancels() -> None:
    changes = (
        Change(Address("tradovate_account", "alice", "A1"), Action.UPDATE),
        Change(ALICE_TPROP, Action.ENTITLE),
        Change(ALICE_CONTACT, Action.CANCEL),
        Change(BOB_USER, Action.CANCEL),
        Change(ALICE_USER, Action.NOOP),
    )
    plan = Plan(changes, "lineage", 3, "digest", "now")
    kept = targeted(plan, {ALICE_USER, ALICE_CONTACT, ALICE_TPROP})
    assert kept.changes == (Change(ALICE_TPROP, Action.ENTITLE), Change(ALICE_USER, Action.NOOP))
    assert (kept.serial, kept.manifest_digest) == (3, "digest")
    assert counts(plan) == {"cancel": 2, "entitle": 1, "update": 1}


def test_the_index_answers_natural_keyed_events_without_a_pass_over_the_records() -> None:
    document = state(**{"tradovate_user.alice": record("7"), "tradovate_user.bob": record("8")})
    index = TraderIndex(RESOURCES, document)
    assert index.trader(signed("7", "alice.smith")) == "alice"
    assert index.is_recorded(signed("8", "bob.jones")) is False  # no fact yet
    assert index.scans == 0
    assert index.trader(signed("8")) == "bob"  # no natural key: records indexed by id, once
    assert index.trader(signed("7")) == "alice"
    assert index.scans == 1
    index.use(document.model_copy(update={"serial": 1}))  # another document: indexed again
    assert index.trader(signed("7")) == "alice"
    assert index.scans == 2


def test_the_index_follows_an_added_and_a_renamed_trader() -> None:
    index = TraderIndex(RESOURCES, state(**{"tradovate_user.alice": record("7")}))
    carol = resource(Address(USER, "carol"), "carol.white")
    alicia = resource(Address(USER, "alicia"), "alice.smith")
    renamed = {a: r for a, r in RESOURCES.items() if a.trader != "alice"}
    index = index.with_resources({**renamed, carol.address: carol, alicia.address: alicia})
    assert index.trader(signed("9", "carol.white")) == "carol"
    index.use(state(**{"tradovate_user.alicia": record("7")}).model_copy(update={"serial": 2}))
    assert index.trader(signed("7", "alice.smith")) == "alicia"
    assert index.trader(signed("7")) == "alicia"


class Declared(dict[Address, DesiredResource]):
    """Declared resources that count the passes over them."""

    passes = 0

    def values(self) -> ValuesView[DesiredResource]:  # type: ignore[override]
        Declared.passes += 1
        return super().values()


def test_a_prepared_index_makes_no_pass_over_the_declared_resources_at_an_event() -> None:
    """After `prepare` (the loop calls it after a full run), an event of a kind seen with the
    earlier manifests, and its targets, are found without a pass over the declared resources."""
    document = state(**{"tradovate_user.alice": record("7")})
    first = TraderIndex(RESOURCES, document)
    assert first.trader(signed("7", "alice.smith")) == "alice"
    index = first.with_resources(Declared(RESOURCES))
    index.prepare()
    Declared.passes = 0

    found = [(signed("7", "alice.smith"), index.trader(signed("7", "alice.smith")))]

    assert found[0][1] == "alice"
    assert ALICE_TPROP in target_addresses(
        [(event, trader) for event, trader in found if trader], index
    )
    assert Declared.passes == 0
