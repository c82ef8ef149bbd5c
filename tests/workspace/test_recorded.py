"""The records a plan reads by address: a declared address is the declared object itself."""

from __future__ import annotations

from reconciler.plan import Address
from reconciler.state import ResourceState, StateDocument
from reconciler.workspace.records import recorded_of


def test_a_recorded_address_that_is_declared_is_the_declared_object() -> None:
    editor = StateDocument.new().edit()
    for name in ("alice", "bob"):
        record = ResourceState(remote_id=name, attributes={"n": name}, updated_at="t")
        editor.put(f"tradovate_user.{name}", record)
    declared = Address("tradovate_user", "alice")

    recorded = recorded_of(editor.snapshot(), known=[declared, Address("tradovate_user", "x")])

    by_text = {str(address): address for address in recorded}
    assert by_text["tradovate_user.alice"] is declared
    assert by_text["tradovate_user.bob"] == Address("tradovate_user", "bob")
    assert recorded[declared].remote_id == "alice"
    assert {a: r.attributes for a, r in recorded.items()} == {
        declared: {"n": "alice"},
        Address("tradovate_user", "bob"): {"n": "bob"},
    }
