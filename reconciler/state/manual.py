"""Manual state edits an operator asks for (`state rm`, `state mv`, `state push`): pure
functions from a document to the next one, refusing what would fork or corrupt state."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.errors import StateConflict, StateError
from reconciler.state.document import StateDocument


def remove_addresses(document: StateDocument, addresses: Sequence[str]) -> StateDocument:
    """`document` without `addresses` (the platforms keep the objects); every one must be
    recorded."""
    missing = [a for a in addresses if a not in document.resources]
    if missing:
        raise StateError(f"not in state: {', '.join(missing)}")
    editor = document.edit()
    for address in addresses:
        editor.remove(address)
    return editor.snapshot()


def move_addresses(document: StateDocument, moves: Sequence[tuple[str, str]]) -> StateDocument:
    """`document` with each (old, new) record re-addressed; `new` must be free."""
    if not moves:
        raise StateError("nothing in state matches what is to be moved")
    editor = document.edit()
    for old, new in moves:
        record = editor.get(old)
        if record is None:
            raise StateError(f"not in state: {old}")
        if editor.get(new) is not None:
            raise StateError(f"{new} is already in state")
        editor.remove(old)
        editor.put(new, record)
    return editor.snapshot()


def check_push(current: StateDocument, pushed: StateDocument, *, is_forced: bool) -> None:
    """Refuse to replace `current` with `pushed` when they are of different lineages, or
    `pushed` is older than `current` or differs from it at the same serial (unless forced:
    an operator restoring a backup on purpose)."""
    if is_forced or current.serial == 0:
        return
    if pushed.lineage != current.lineage:
        raise StateConflict(
            f"the pushed state is of lineage {pushed.lineage}, the stored one of "
            f"{current.lineage}: it belongs to another workspace or firm (--force to replace it)"
        )
    if pushed.serial < current.serial:
        raise StateConflict(
            f"the pushed state has serial {pushed.serial}, older than the stored serial "
            f"{current.serial} (pull first, or --force to roll back)"
        )
    if pushed.serial == current.serial and pushed.to_bytes() != current.to_bytes():
        raise StateConflict(
            f"the pushed state differs from the stored one at the same serial {pushed.serial} "
            "(--force to replace it)"
        )


__all__ = ["check_push", "move_addresses", "remove_addresses"]
