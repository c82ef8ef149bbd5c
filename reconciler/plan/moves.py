"""Moves: re-addressing recorded resources when a trader's key (or one address) is renamed
in the manifests, so the rename is not planned as an offboarding plus an onboarding."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TypeVar

from reconciler.errors import PlanConflict
from reconciler.plan.address import Address

V = TypeVar("V")

Move = tuple[Address, Address]
"""(recorded address, new address)."""


def plan_moves(
    entries: Sequence[tuple[str, str]], recorded: Collection[Address], *, kinds: Collection[str]
) -> tuple[Move, ...]:
    """The moves `entries` (from, to) call for on the `recorded` addresses, sorted.

    An entry names either a trader (every recorded address of that trader moves) or one
    address (of the same kind on both sides; text is an address when it starts with one of
    `kinds` and a dot, since trader names may hold dots). An entry whose source is no longer
    recorded has already been applied and is skipped, so `moved` entries may stay in the
    manifests. A move onto an address that is recorded too is refused.
    """
    moves: dict[Address, Address] = {}
    for source, target in entries:
        for old, new in _expand(source, target, recorded, kinds):
            if old in moves and moves[old] != new:
                raise PlanConflict(f"moved: {old} is moved both to {moves[old]} and to {new}")
            moves[old] = new
    targets: dict[Address, Address] = {}
    for old, new in moves.items():
        if new in targets:
            raise PlanConflict(f"moved: {targets[new]} and {old} are both moved to {new}")
        if new in recorded and new not in moves:
            raise PlanConflict(
                f"moved: cannot move {old} to {new}: state already records {new} "
                "(remove one of them with `reconciler state rm` first)"
            )
        targets[new] = old
    return tuple(sorted(moves.items()))


def rekey(values: Mapping[Address, V], moves: Sequence[Move]) -> dict[Address, V]:
    """`values` with each moved address replaced by its new one: `values` itself when nothing
    moves and it is a dict (the callers' maps are their own: a large firm's is not copied)."""
    if not moves:
        return values if isinstance(values, dict) else dict(values)
    renamed = dict(moves)
    return {renamed.get(address, address): value for address, value in values.items()}


def _expand(
    source: str, target: str, recorded: Collection[Address], kinds: Collection[str]
) -> list[Move]:
    is_address = [text.partition(".")[0] in kinds for text in (source, target)]
    if not any(is_address):
        return [
            (address, Address(address.kind, target, address.child))
            for address in recorded
            if address.trader == source
        ]
    if not all(is_address):
        raise PlanConflict(f"moved: {source} -> {target}: give two trader names or two addresses")
    old, new = Address.parse(source), Address.parse(target)
    if old.kind != new.kind:
        raise PlanConflict(f"moved: {old} and {new} are of different kinds")
    return [(old, new)] if old in recorded else []


__all__ = ["Move", "plan_moves", "rekey"]
