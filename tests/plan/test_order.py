"""Ordering changes into dependency waves."""

from __future__ import annotations

import gc

from reconciler.collector import quiet_gc
from reconciler.plan import Action, Address, Change, order_changes, waves

USER = Address("demo_user", "alice")
ACCOUNT = Address("demo_account", "alice", "ACC1")
ENT = Address("demo_entitlement", "alice", "t-prop")
OTHER = Address("demo_account", "bob", "ACC2")


def test_dependencies_land_in_earlier_waves() -> None:
    changes = [
        Change(ENT, Action.ENTITLE, depends_on=(USER,)),
        Change(ACCOUNT, Action.CREATE, depends_on=(USER,)),
        Change(USER, Action.CREATE),
        Change(OTHER, Action.CANCEL),
    ]
    planned = waves(changes)
    assert [[c.address for c in wave] for wave in planned] == [[OTHER, USER], [ACCOUNT, ENT]]


def test_riders_and_non_calls_are_not_executed() -> None:
    changes = [
        Change(USER, Action.CANCEL),
        Change(ACCOUNT, Action.CANCEL, via=USER),
        Change(ENT, Action.WAIT),
    ]
    assert [[c.address for c in wave] for wave in waves(changes)] == [[USER]]
    assert next(c.address for c in order_changes(changes)) == USER


def test_cancels_come_first_within_a_wave() -> None:
    changes = [Change(USER, Action.CREATE), Change(OTHER, Action.CANCEL)]
    assert [c.action for c in order_changes(changes)] == [Action.CANCEL, Action.CREATE]


def test_ordering_leaves_no_garbage_for_the_cyclic_collector() -> None:
    """A large plan is ordered with the collector paused: what ordering made must be freed
    by reference counting alone."""
    changes = [
        Change(ENT, Action.ENTITLE, depends_on=(USER,)),
        Change(ACCOUNT, Action.CREATE, depends_on=(USER,)),
        Change(USER, Action.CREATE),
    ]
    gc.collect()
    with quiet_gc():
        waves(changes)
        order_changes(changes)
        assert gc.collect() == 0
