"""Adoption and the creates an interrupted apply left pending: unrecorded remote objects taken
over, set aside at a stray address, or found orphaned."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from reconciler.plan.action import Action, Change
from reconciler.plan.address import Address
from reconciler.plan.inputs import DiffInput
from reconciler.plan.resource import DesiredResource, Recorded, Remote


def unadoptable(data: DiffInput) -> DiffInput:
    """Move what an interrupted create made under a key the manifests changed since, and that
    can neither change in place nor be replaced, to a stray address: it is offboarded, and the
    address planned anew."""
    if not data.pending:
        return data  # nothing pending: no copy of the whole firm's remote objects
    remote = dict(data.remote)
    pending = set(data.pending)
    for resource in data.desired.values():
        address = resource.address
        found = remote.get(address)
        if address not in data.pending or address in data.recorded or found is None:
            continue
        if found.remote_id is None or Action.REPLACE in data.rules[address.kind].actions:
            continue
        shown = found.attributes
        if any(k in shown and shown[k] != resource.attributes.get(k) for k in resource.replace_on):
            stray = address.stray(found.remote_id)
            remote[stray] = replace(found, address=stray)
            pending.add(stray)
            del remote[address]
    if len(remote) == len(data.remote) and pending == data.pending:
        return data
    return replace(data, remote=remote, pending=frozenset(pending))


LEFT_AS_IS = (
    "left as it is on the platform: it cannot be read back, and setting it would replace "
    "the one the trader uses now (not set by this apply)"
)
"""Why an adopted user's password, generated or set by the manifests, is not sent."""


OFFBOARDED = "offboarded by an earlier apply of this workspace, declared again"
"""Why an object is adopted without --adopt: the audit trail shows we cancelled that id."""


def adopted(
    resource: DesiredResource,
    remote: Remote,
    data: DiffInput,
    *,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    changed: tuple[str, ...],
    forced: list[str],
    notes: list[str],
) -> Change:
    """The change that takes over an unrecorded remote object: an update, or a replace when a
    replace-only attribute differs."""
    address = resource.address
    same = remote.remote_id
    why = "interrupted apply" if address in data.pending else "--adopt"
    if address in data.offboarded and address not in data.pending:
        why = OFFBOARDED
    reason = f"adopt existing remote object {remote.remote_id} ({why})"
    unseen = sorted(
        k for k in resource.attributes if k not in remote.attributes and k not in changed
    )
    kept = [k for k in unseen if k in resource.sensitive]
    shown = [k for k in unseen if k not in resource.sensitive]
    if shown:
        notes.append(
            f"{address}: adopted; the platform does not show {', '.join(shown)}: state "
            "records the manifests' values"
        )
    if forced and Action.REPLACE in data.rules[address.kind].actions:
        # a replace-only attribute differs (or a key the manifests changed since an
        # interrupted create sent it): adopted, then replaced
        reason = f"{reason}; {', '.join(forced)} cannot change in place"
        return Change(
            address, Action.REPLACE, before, after, changed, reason=reason, remote_id=same
        )
    if kept:  # a line of its own, and no `+ password` line that would read as a set
        reason = f"{reason}\n{', '.join(kept)} {LEFT_AS_IS}"
        after = {k: v for k, v in after.items() if k not in kept}
    return Change(address, Action.UPDATE, before, after, changed, reason=reason, remote_id=same)


def orphans(data: DiffInput) -> dict[Address, Recorded]:
    """Objects an interrupted apply created for addresses no longer desired nor recorded."""
    found = {}
    for address in data.pending:
        if address in data.desired or address in data.recorded:
            continue
        remote = data.remote.get(address)
        if remote is not None and remote.remote_id is not None:
            found[address] = Recorded(address, remote.remote_id, dict(remote.attributes))
    return found
