"""What holds a platform's object back (a wait, a probe, deferred attributes) is one shared
field of a `Remote`: most objects have none, the waiting ones share a handful of holds (a
firm's 100,000 entitlements waiting for a signature hold one), and they read as fields."""

from __future__ import annotations

import sys
from dataclasses import replace

import pytest

from reconciler.plan import Address, Remote
from reconciler.plan import hold as holds
from reconciler.plan.hold import HOLDS_SHARED, NO_HOLD, hold_of

A, B = (
    Address("tradovate_entitlement", "a", "t-prop"),
    Address("tradovate_entitlement", "b", "t-prop"),
)
WAIT = "waiting for the Market Data Agreement signature"


def test_objects_waiting_alike_share_one_hold_and_read_it_as_fields() -> None:
    first = Remote(A, None, blocked=WAIT)
    second = Remote(B, None, blocked="".join(WAIT))  # an equal text, another string

    assert first.hold is second.hold
    assert (first.blocked, first.probe, dict(first.deferred)) == (WAIT, False, {})
    probed = Remote(A, None, blocked=WAIT, probe=True)
    assert probed.probe is True
    assert probed.hold is not first.hold
    assert probed != first


def test_an_object_held_by_nothing_has_the_one_empty_hold() -> None:
    remote = Remote(A, "7", {"x": 1}, facts={"id": 1})

    assert remote.hold is NO_HOLD
    assert (remote.blocked, remote.probe, dict(remote.deferred)) == (None, False, {})
    assert remote == Remote(A, "7", {"x": 1}, facts={"id": 1}, deferred={})


def test_deferred_attributes_read_as_given_and_a_replace_keeps_the_hold() -> None:
    deferred = {"status": "identity not verified yet"}
    remote = Remote(A, "7", {"status": "active"}, deferred=deferred)

    assert remote.deferred is deferred
    changed = replace(remote, attributes={"status": "closed"})
    assert changed.hold is remote.hold
    assert changed.attributes == {"status": "closed"}
    with pytest.raises(TypeError, match="hold is given alone"):
        Remote(A, "7", hold=remote.hold, blocked=WAIT)


def test_holds_past_the_limit_are_made_but_not_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(holds, "_HOLDS", {})
    made = [hold_of(f"wait {n}", False, {}) for n in range(HOLDS_SHARED + 3)]

    assert hold_of("wait 0", False, made[0].deferred) is made[0]
    again = hold_of(f"wait {HOLDS_SHARED + 2}", False, {})
    assert again == made[-1]
    assert again is not made[-1]


def test_a_remote_is_smaller_than_one_holding_each_field() -> None:
    class EachField:  # address to deferred, each a slot of its own
        __slots__ = ("address", "attributes", "blocked", "deferred", "facts", "probe", "remote_id")

    assert sys.getsizeof(Remote(A, None)) < sys.getsizeof(EachField())
