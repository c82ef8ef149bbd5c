"""Grouping one wave of changes into provider batches of at most the declared size (pure)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reconciler.plan import Action, Change


@dataclass(frozen=True, slots=True)
class Group:
    """Changes of one kind and action that go to the platform in one `execute` call."""

    kind: str
    action: Action
    changes: tuple[Change, ...]


def make_batches(
    wave: Sequence[Change], *, batch_size: Callable[[str, Action], int]
) -> list[Group]:
    """Split a wave by (kind, action), in first-seen order, into chunks of the batch size."""
    grouped: dict[tuple[str, Action], list[Change]] = {}
    for change in wave:
        grouped.setdefault((change.address.kind, change.action), []).append(change)
    batches = []
    for (kind, action), changes in grouped.items():
        size = max(1, batch_size(kind, action))
        for start in range(0, len(changes), size):
            batches.append(Group(kind, action, tuple(changes[start : start + size])))
    return batches
