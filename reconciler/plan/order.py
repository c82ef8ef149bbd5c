"""Dependency ordering: waves of changes whose dependencies landed in earlier waves."""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from reconciler.plan.action import Action, Change
from reconciler.plan.address import Address

_ACTION_RANK = {
    Action.CANCEL: 0,
    Action.REPLACE: 1,
    Action.CREATE: 2,
    Action.UPDATE: 3,
    Action.RESET: 4,
    Action.ENTITLE: 5,
    Action.WAIT: 6,
    Action.NOOP: 7,
}


def levels(changes: Sequence[Change]) -> dict[Address, int]:
    """Wave index per address: 0 without planned dependencies, else one past the deepest."""
    by_address = {change.address: change for change in changes}
    level: dict[Address, int] = {}
    visiting: set[Address] = set()
    for change in changes:
        if not change.depends_on and change.via is None:
            level[change.address] = 0  # most changes of a large plan: no call needed
        else:
            _visit(change.address, by_address, level, visiting)
    return level


def _visit(
    address: Address,
    by_address: dict[Address, Change],
    level: dict[Address, int],
    visiting: set[Address],
) -> int:
    """The wave of `address`, with those of its dependencies, into `level` (a function of
    its own, not a closure: a recursive closure is a reference cycle that would keep the
    whole plan's mappings while the cyclic collector is paused)."""
    found = level.get(address)
    if found is not None:
        return found
    change = by_address[address]
    parents = [d for d in change.depends_on if d in by_address]
    if change.via is not None and change.via in by_address:
        parents.append(change.via)
    if not parents:
        level[address] = 0
        return 0
    if address in visiting:
        raise ValueError(f"dependency cycle through {address}")
    visiting.add(address)
    depth = max(_visit(p, by_address, level, visiting) + 1 for p in parents)
    visiting.discard(address)
    if change.via is not None:
        depth = max(depth - 1, 0)
    level[address] = depth
    return depth


def order_changes(changes: Sequence[Change]) -> tuple[Change, ...]:
    """Execution order: by wave, cancels first within a wave, then by address."""
    return _ordered(changes, levels(changes))


_TEXT = attrgetter("address.text")
_TRADER = attrgetter("address.trader")


def _ordered(changes: Sequence[Change], level: dict[Address, int]) -> tuple[Change, ...]:
    """By (wave, action rank, via, address's `sort_key`): a stable sort by the address's
    text then one by its trader, then grouped by the rest. No key tuple per change is made (at
    scale they were the plan's largest passing allocation). Within a trader the text orders
    as (kind, child) does: the kind comes first and `.` sorts before any character a kind
    holds; then no child before any, and children by name."""
    ordered = sorted(changes, key=_TEXT)
    ordered.sort(key=_TRADER)
    grouped: dict[tuple[int, int, bool], list[Change]] = {}
    for change in ordered:
        key = (level[change.address], _ACTION_RANK[change.action], change.via is not None)
        found = grouped.get(key)
        if found is None:
            grouped[key] = [change]
        else:
            found.append(change)
    del ordered
    return tuple(change for key in sorted(grouped) for change in grouped[key])


def waves(changes: Sequence[Change]) -> list[list[Change]]:
    """Changes that call a platform, grouped into waves in execution order."""
    level = levels(changes)
    grouped: dict[int, list[Change]] = {}
    for change in _ordered(changes, level):
        if change.calls_platform and change.via is None:
            grouped.setdefault(level[change.address], []).append(change)
    return [grouped[k] for k in sorted(grouped)]
