"""Apply's order of work (pure): lanes of independent platforms, and rounds of batches that
share one journal write before their calls and one after."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from reconciler.apply.batching import Group
from reconciler.plan import Action, Address, Change

ROUND_SHARE = 2
"""A round carries at least 1/ROUND_SHARE of the recorded resources' worth of items."""


def lanes(planned: list[list[Change]]) -> list[list[list[Change]]]:
    """Split waves by platform when no change depends on another platform's change (then
    platforms are independent); otherwise one lane keeps the global order."""
    providers = {c.address.provider for wave in planned for c in wave}
    crossing = any(
        dep.provider != c.address.provider for wave in planned for c in wave for dep in c.depends_on
    )
    if len(providers) <= 1 or crossing:
        return [planned] if planned else []
    return [
        [w for w in ([c for c in wave if c.address.provider == p] for wave in planned) if w]
        for p in sorted(providers)
    ]


def rounds(
    groups: list[Group], *, workers: int, recorded: Callable[[], int]
) -> Iterator[list[Group]]:
    """Consecutive batches of one wave: at least `workers` of them (all at once), and at least
    1/ROUND_SHARE of the `recorded` resources' worth of items, read as each round starts (so
    the state writes, each rewriting the whole state, add up to a multiple of its final size)."""
    start = 0
    while start < len(groups):
        largest = max(len(g.changes) for g in groups[start : start + workers])
        budget = max(workers * largest, recorded() // ROUND_SHARE)
        round_: list[Group] = []
        items = 0
        while start < len(groups) and (items < budget or len(round_) < workers):
            if round_ and items + len(groups[start].changes) > budget:
                break
            round_.append(groups[start])
            items += len(groups[start].changes)
            start += 1
        yield round_


def is_adoption_only(change: Change) -> bool:
    """An adopted object whose attributes already match needs no platform call."""
    return change.action is Action.UPDATE and not change.changed and change.remote_id is not None


def riders(changes: tuple[Change, ...]) -> dict[Address, list[Address]]:
    """Changes performed by another change's call (`via`), by that change's address."""
    found: dict[Address, list[Address]] = {}
    for change in changes:
        if change.via is not None:
            found.setdefault(change.via, []).append(change.address)
    return found


__all__ = ["ROUND_SHARE", "is_adoption_only", "lanes", "riders", "rounds"]
