"""Objects an earlier apply of this workspace offboarded, found again for a trader declared
again: the audit trail shows the cancel of that very id, so they are ours and the plan takes
them back without `--adopt` (a user forgotten with `state rm`, or never ours, still needs it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from reconciler.plan import Action, Address, Recorded, Remote
from reconciler.state import AuditEntry, StateStore


def offboarded(
    store: StateStore,
    desired: Iterable[Address],
    recorded: Mapping[Address, Recorded],
    remote: Mapping[Address, Remote],
) -> frozenset[Address]:
    """Desired, unrecorded addresses whose remote object's id was last seen by the audit trail
    in a successful cancel at the same address. Reads the trail only when one such object
    was found (one trader's entries when only one trader has any)."""
    found = {
        str(address): remote_id
        for address in desired
        if address not in recorded and (remote_id := _remote_id(remote.get(address))) is not None
    }
    if not found:
        return frozenset()
    traders = {Address.parse(text).trader for text in found}
    last: dict[str, AuditEntry] = {}
    for entry in store.history(next(iter(traders)) if len(traders) == 1 else None):
        if entry.address in found:
            last[entry.address] = entry
    return frozenset(
        Address.parse(text)
        for text, remote_id in found.items()
        if text in last and _is_cancel_of(last[text], remote_id)
    )


def _is_cancel_of(entry: AuditEntry, remote_id: str) -> bool:
    return entry.action == Action.CANCEL and entry.outcome == "ok" and entry.remote_id == remote_id


def _remote_id(remote: Remote | None) -> str | None:
    return None if remote is None else remote.remote_id


__all__ = ["offboarded"]
