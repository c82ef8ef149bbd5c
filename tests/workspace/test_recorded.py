"""The records a plan reads by address: a declared address is the declared object itself, and
a recorded text equal to the declared one is the declared string."""

from __future__ import annotations

from reconciler.plan import Address, DesiredResource
from reconciler.state import ResourceState, StateDocument
from reconciler.workspace.records import recorded_of


def declared(address: Address, **attributes: object) -> DesiredResource:
    return DesiredResource(address, attributes, natural_key="".join(["key-", address.trader]))


def test_a_recorded_address_that_is_declared_is_the_declared_object() -> None:
    editor = StateDocument.new().edit()
    for name in ("alice", "bob"):
        record = ResourceState(remote_id=name, attributes={"n": name}, updated_at="t")
        editor.put(f"tradovate_user.{name}", record)
    alice = Address("tradovate_user", "alice")
    known = {a: declared(a) for a in (alice, Address("tradovate_user", "x"))}

    recorded = recorded_of(editor.snapshot(), known=known)

    by_text = {str(address): address for address in recorded}
    assert by_text["tradovate_user.alice"] is alice
    assert by_text["tradovate_user.bob"] == Address("tradovate_user", "bob")
    assert recorded[alice].remote_id == "alice"
    assert {a: r.attributes for a, r in recorded.items()} == {
        alice: {"n": "alice"},
        Address("tradovate_user", "bob"): {"n": "bob"},
    }


def test_recorded_texts_equal_to_the_declared_ones_are_the_declared_strings() -> None:
    alice = Address("tradovate_user", "alice")
    resource = declared(alice, email="".join(["alice", "@example.com"]), plan="Gold", size=1)
    editor = StateDocument.new().edit()
    record = ResourceState(
        remote_id="7",
        natural_key="key-alice",
        attributes={"email": "alice@example.com", "plan": "Silver", "size": 1.0},
        updated_at="t",
    )
    editor.put(str(alice), record)

    found = recorded_of(editor.snapshot(), known={alice: resource})[alice]

    assert found.attributes == {"email": "alice@example.com", "plan": "Silver", "size": 1.0}
    assert found.attributes["email"] is resource.attributes["email"]
    assert type(found.attributes["size"]) is float  # equal, but not a text: kept as recorded
    assert found.natural_key is resource.natural_key


def test_recorded_attributes_alike_the_declared_ones_are_the_declared_mapping() -> None:
    account = Address("tradovate_account", "alice", "A1")
    other = Address("tradovate_account", "alice", "A2")
    risk = {"daily_loss_auto_liq": 1100.0}
    known = {
        account: declared(account, name="A1", risk=risk, rules=[]),
        other: declared(other, name="A2", risk=risk, rules=[]),
    }
    editor = StateDocument.new().edit()
    for address, limit in ((account, 1100.0), (other, 1100)):  # 1100 == 1100.0, not alike
        attributes: dict[str, object] = {
            "rules": [],
            "risk": {"daily_loss_auto_liq": limit},
            "name": address.child,
        }
        editor.put(
            str(address), ResourceState(remote_id="1", attributes=attributes, updated_at="t")
        )

    recorded = recorded_of(editor.snapshot(), known=known)

    assert recorded[account].attributes is known[account].attributes
    assert recorded[other].attributes == known[other].attributes
    assert recorded[other].attributes is not known[other].attributes
    assert type(recorded[other].attributes["risk"]["daily_loss_auto_liq"]) is int
