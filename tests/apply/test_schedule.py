"""Rounds of batches: at least one batch per worker, growing with the recorded state."""

from __future__ import annotations

from reconciler.apply.batching import Group
from reconciler.apply.schedule import lanes, rounds
from reconciler.plan import Action, Address, Change


def groups(count: int, size: int) -> list[Group]:
    return [
        Group(
            "alpha_user",
            Action.CREATE,
            tuple(Change(Address("alpha_user", f"g{g}i{i}"), Action.CREATE) for i in range(size)),
        )
        for g in range(count)
    ]


def test_an_empty_state_gets_one_round_per_worker_count_of_batches() -> None:
    sizes = [len(r) for r in rounds(groups(20, 10), workers=8, recorded=lambda: 0)]
    assert sizes == [8, 8, 4]


def test_rounds_grow_with_the_recorded_state() -> None:
    recorded = [0]

    def grow() -> int:
        return recorded[0]

    sizes = []
    for round_ in rounds(groups(100, 10), workers=2, recorded=grow):
        sizes.append(len(round_))
        recorded[0] += 10 * len(round_)
    assert sizes[:4] == [2, 2, 2, 3]  # half the recorded items' worth, once past 2 batches
    assert sizes == sorted(sizes[:-1]) + sizes[-1:]
    assert sum(sizes) == 100
    assert len(sizes) < 20  # geometric growth: few state writes


def test_platforms_get_lanes_unless_a_change_crosses_them() -> None:
    a, b = Address("alpha_user", "t"), Address("beta_user", "t")
    waves = [[Change(a, Action.CREATE), Change(b, Action.CREATE)]]
    assert [[[c.address for c in w] for w in lane] for lane in lanes(waves)] == [[[a]], [[b]]]
    crossing = [[Change(a, Action.CREATE)], [Change(b, Action.CREATE, depends_on=(a,))]]
    assert len(lanes(crossing)) == 1
