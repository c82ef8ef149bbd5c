"""Ordering changes into dependency waves."""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.collector import quiet_gc
from reconciler.plan import Action, Address, Change, Plan, of_actions, order_changes, waves
from reconciler.plan import plan as plan_module
from reconciler.plan.action import action_counts, any_calls_platform
from reconciler.plan.order import _ACTION_RANK, levels, order_with_levels

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


_NAMES = st.sampled_from(["a", "al", "alice", "b", "bob", "Bob", "a.b", "a-b", "a_b", "z9"])
_KINDS = st.sampled_from(["demo_user", "demo_account", "demo_entitlement", "demo_a", "demox_b"])


@st.composite
def _changes(draw: st.DrawFn) -> list[Change]:
    addresses = draw(
        st.lists(
            st.builds(Address, _KINDS, _NAMES, st.none() | _NAMES),
            unique_by=str,
            max_size=40,
        )
    )
    changes = []
    for index, address in enumerate(addresses):
        earlier = addresses[:index]
        depends_on = tuple(draw(st.lists(st.sampled_from(earlier), max_size=2))) if earlier else ()
        action = draw(st.sampled_from(list(Action)))
        via = draw(st.none() | st.sampled_from(earlier)) if earlier else None
        changes.append(Change(address, action, depends_on=depends_on, via=via))
    return draw(st.permutations(changes))


def _waves_by_definition(changes: list[Change]) -> dict[str, int]:
    """Each change's wave straight from the definition: 0 without a planned dependency or a
    change it rides on, else one past the deepest of those (a rider shares its carrier's)."""
    by_text = {c.address.text: c for c in changes}

    def wave(change: Change) -> int:
        parents = [by_text[d.text] for d in change.depends_on if d.text in by_text]
        if change.via is not None and change.via.text in by_text:
            parents.append(by_text[change.via.text])
        if not parents:
            return 0
        depth = max(wave(p) for p in parents) + 1
        return max(depth - 1, 0) if change.via is not None else depth

    return {c.address.text: wave(c) for c in changes}


@given(_changes())
def test_each_change_is_in_the_wave_its_dependencies_put_it(changes: list[Change]) -> None:
    level = levels(changes)
    assert {c.address.text: level.get(c.address.text, 0) for c in changes} == (
        _waves_by_definition(changes)
    )


def test_changes_without_dependencies_build_no_mapping_of_waves() -> None:
    changes = [Change(Address("demo_user", name), Action.NOOP) for name in ("a", "b", "c")]
    assert levels(changes) == {}
    assert waves(changes) == []


@given(_changes())
def test_the_order_is_wave_action_rider_then_address(changes: list[Change]) -> None:
    """The order `order_changes` builds without a key tuple per change is the one a sort on
    the whole key gives (addresses whose text orders unlike their `sort_key` included)."""
    level = _waves_by_definition(changes)
    expected = sorted(
        changes,
        key=lambda c: (
            level[c.address.text],
            _ACTION_RANK[c.action],
            c.via is not None,
            c.address.sort_key(),
        ),
    )
    assert list(order_changes(changes)) == expected


@given(_changes())
def test_a_plans_changes_are_grouped_into_the_same_waves_without_sorting_again(
    changes: list[Change],
) -> None:
    assert waves(order_changes(changes), ordered=True) == waves(changes)


@given(_changes())
def test_a_plan_keeps_the_waves_it_was_ordered_by_for_its_own_changes_only(
    changes: list[Change],
) -> None:
    ordered, level = order_with_levels(changes)
    assert ordered == order_changes(changes)
    plan = Plan(ordered, "lineage", 1, "digest", "now", ordering=(ordered, level))
    assert plan.wave_levels() is level  # not computed again
    assert waves(plan.changes, ordered=True, level=plan.wave_levels()) == waves(changes)
    fewer = replace(plan, changes=ordered[: len(ordered) // 2])  # a targeted plan's
    assert fewer.wave_levels() == levels(fewer.changes)


def test_a_dependency_cycle_is_refused() -> None:
    a, b, c = (Address("demo_user", name) for name in "abc")
    changes = [
        Change(a, Action.CREATE, depends_on=(c,)),
        Change(b, Action.CREATE, depends_on=(a,)),
        Change(c, Action.CREATE, depends_on=(b,)),
    ]
    with pytest.raises(ValueError, match="dependency cycle through demo_user"):
        levels(changes)
    with pytest.raises(ValueError, match="dependency cycle"):
        levels([Change(a, Action.CREATE, depends_on=(a,))])


@pytest.mark.parametrize(
    ("actions", "probes", "calls"),
    [
        ((Action.NOOP, Action.WAIT, Action.NOOP), (False, False, False), False),
        ((Action.NOOP, Action.WAIT, Action.NOOP), (False, True, False), True),
        ((Action.NOOP, Action.NOOP, Action.UPDATE), (False, False, False), True),
        ((Action.CANCEL,), (False,), True),
        ((), (), False),
    ],
)
def test_a_plan_calls_a_platform_when_one_of_its_changes_does(
    actions: tuple[Action, ...], probes: tuple[bool, ...], calls: bool
) -> None:
    """Asked of the changes at once (a large plan's no-ops are not asked one by one), as each
    change's `calls_platform` answers it."""
    addresses = [USER, ACCOUNT, ENT]
    changes = tuple(
        Change(address, action, probe=probe)
        for address, action, probe in zip(addresses, actions, probes, strict=False)
    )
    plan = Plan(changes=changes, lineage="l", serial=1, manifest_digest="d", created_at="t")
    assert plan.has_changes is calls
    assert plan.has_changes is any(change.calls_platform for change in changes)
    assert bool(waves(changes)) is calls
    assert plan.counts() == {action: actions.count(action) for action in set(actions)}


def test_a_plan_reads_its_changes_once_for_whether_it_calls_a_platform_and_its_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each is a pass over every change (a large plan's are read from memory each time); a
    plan made from another with other changes finds them anew."""
    passes: list[str] = []

    def counted(name: str, find: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def found(changes: Any) -> Any:
            passes.append(name)
            return find(changes)

        return found

    monkeypatch.setattr(plan_module, "any_calls_platform", counted("calls", any_calls_platform))
    monkeypatch.setattr(plan_module, "action_counts", counted("counts", action_counts))
    plan = Plan(
        changes=(Change(USER, Action.NOOP),),
        lineage="l",
        serial=1,
        manifest_digest="d",
        created_at="t",
    )

    assert [plan.has_changes for _ in range(3)] == [False] * 3
    own = plan.counts()
    own[Action.CREATE] += 1  # the caller's own copy
    assert plan.counts() == {Action.NOOP: 1}
    assert passes == ["calls", "counts"]
    other = replace(plan, changes=(Change(USER, Action.UPDATE),))
    assert other.has_changes
    assert other.counts() == {Action.UPDATE: 1}
    assert passes == ["calls", "counts", "calls", "counts"]


@given(st.lists(st.sampled_from(list(Action)), max_size=12), st.sets(st.sampled_from(list(Action))))
def test_the_changes_of_some_actions_are_those_changes_in_their_order(
    actions: list[Action], wanted: set[Action]
) -> None:
    changes = [Change(Address("tradovate_user", f"t{i}"), a) for i, a in enumerate(actions)]

    assert list(of_actions(changes, wanted)) == [c for c in changes if c.action in wanted]
