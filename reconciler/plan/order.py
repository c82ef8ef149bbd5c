"""Dependency ordering: waves of changes whose dependencies landed in earlier waves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reconciler.plan.action import Action, Change, any_calls_platform
from reconciler.plan.address import in_address_order

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


def levels(changes: Sequence[Change]) -> dict[str, int]:
    """Wave index by the address's text of each change with planned dependencies (and of
    those it depends on): 0 without any, else one past the deepest; an address not in it is
    at wave 0, as most changes of a large plan are (no mapping of the whole plan is built
    when none has a dependency). Texts keep their hash: lookups call no Python `__hash__`."""
    level: dict[str, int] = {}
    dependent = [change for change in changes if change.depends_on or change.via is not None]
    if not dependent:
        return level
    by_text = {change.address.text: change for change in changes}
    visiting: set[str] = set()
    for change in dependent:
        _visit(change, by_text, level, visiting)
    return level


def _visit(
    change: Change,
    by_text: dict[str, Change],
    level: dict[str, int],
    visiting: set[str],
) -> int:
    """The wave of `change`, with those of its dependencies, into `level` (a function of
    its own, not a closure: a recursive closure is a reference cycle that would keep the
    whole plan's mappings while the cyclic collector is paused). A dependency without
    dependencies of its own is at wave 0 without a visit (most of a large plan's)."""
    text = change.address.text
    found = level.get(text)
    if found is not None:
        return found
    via = change.via
    deepest = -1
    for address in change.depends_on if via is None else (*change.depends_on, via):
        key = address.text
        parent = by_text.get(key)
        if parent is None:
            continue
        wave = level.get(key)
        if wave is None:
            wave = 0
            if parent.depends_on or parent.via is not None:
                if text in visiting:
                    raise ValueError(f"dependency cycle through {change.address}")
                visiting.add(text)
                wave = _visit(parent, by_text, level, visiting)
                visiting.discard(text)
        if wave > deepest:
            deepest = wave
    depth = deepest + 1  # 0 without a planned dependency
    if via is not None and depth:
        depth -= 1  # a rider lands in the wave of the change that carries it
    level[text] = depth
    return depth


def order_changes(changes: Sequence[Change]) -> tuple[Change, ...]:
    """Execution order: by wave, cancels first within a wave, then by address."""
    return order_with_levels(changes)[0]


def order_with_levels(changes: Sequence[Change]) -> tuple[tuple[Change, ...], dict[str, int]]:
    """`order_changes`, with the `levels` it ordered by (for `waves` of the same changes)."""
    level = levels(changes)
    return _ordered(changes, level), level


def _ordered(changes: Sequence[Change], level: Mapping[str, int]) -> tuple[Change, ...]:
    """By (wave, action rank, via, address's `sort_key`): in address order, then grouped by
    the rest (no key tuple per change: at scale they were the plan's largest passing
    allocation)."""
    ordered = in_address_order(changes)
    wave = level.get
    grouped: dict[tuple[int, int, bool], list[Change]] = {}
    for change in ordered:
        key = (wave(change.address.text, 0), _ACTION_RANK[change.action], change.via is not None)
        found = grouped.get(key)
        if found is None:
            grouped[key] = [change]
        else:
            found.append(change)
    del ordered
    return tuple(change for key in sorted(grouped) for change in grouped[key])


def waves(
    changes: Sequence[Change], *, ordered: bool = False, level: Mapping[str, int] | None = None
) -> list[list[Change]]:
    """Changes that call a platform, grouped into waves in execution order; with `ordered`,
    `changes` are in it already (a plan's) and are grouped as they come, not sorted again;
    `level` is their `levels` when known (not computed again)."""
    if not any_calls_platform(changes):
        return []  # a plan of no-ops and waits: none is asked (at scale, all of them)
    if level is None:
        level = levels(changes)
    grouped: dict[int, list[Change]] = {}
    for change in changes if ordered else _ordered(changes, level):
        if change.calls_platform and change.via is None:
            grouped.setdefault(level.get(change.address.text, 0), []).append(change)
    return [grouped[k] for k in sorted(grouped)]
