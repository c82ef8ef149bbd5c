"""The diff: desired resources vs recorded state and refreshed remote objects -> changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from reconciler.errors import PlanConflict
from reconciler.plan.action import Action, Change, of_actions
from reconciler.plan.address import Address
from reconciler.plan.adoption import adopted, unadoptable
from reconciler.plan.as_recorded import AsRecorded
from reconciler.plan.cancels import cancels
from reconciler.plan.compare import (
    SKIP,
    behind,
    comparable,
    current_values,
    display,
    display_recorded,
    display_shared,
    following_renames,
    regenerated,
)
from reconciler.plan.concealed import conceal
from reconciler.plan.inputs import Diff, DiffInput, Digest
from reconciler.plan.resource import DesiredResource, GeneratedSecret, Remote
from reconciler.plan.updates import modified


def diff(data: DiffInput, *, digest: Digest) -> Diff:
    """Changes for every desired and every recorded address."""
    data = unadoptable(data)
    changes: list[Change] = []
    conflicts: list[str] = []
    notes: list[str] = []
    recorded_at, shown_at = data.recorded.get, data.remote.get
    for resource in data.desired.values():
        address = resource.address
        recorded = recorded_at(address)
        if (
            recorded is not None
            and recorded is shown_at(address)
            and recorded.attributes is resource.attributes
            and not resource.sensitive
        ):  # the platform shows the very record, which is the declared mapping itself: the
            # no-op `_desired_change` would find, without its call (at scale most resources)
            attributes = recorded.attributes
            changes.append(
                Change(address, Action.NOOP, attributes, attributes, remote_id=recorded.remote_id)
            )
            continue
        change = _desired_change(resource, data, digest=digest, conflicts=conflicts, notes=notes)
        if change is not None:
            changes.append(change)
    if conflicts:
        raise PlanConflict(
            f"{len(conflicts)} remote object(s) exist but are not in state: "
            + "; ".join(conflicts[:5])
            + ("; ..." if len(conflicts) > 5 else "")
            + " (use --adopt to take them over)"
        )
    changes.extend(cancels(data))
    # the changes another may wait for, picked in C (at scale nearly all are no-ops or waits)
    planned = {change.address for change in of_actions(changes, _PLANNED)}
    if planned:  # else no change has a planned one to wait for (a no-change plan)
        for i, change in enumerate(changes):  # in place: a large plan's are not held twice
            changes[i] = _with_dependencies(change, data.desired, planned)
    return Diff(changes, notes)


_PLANNED = frozenset({Action.CREATE, Action.REPLACE, Action.ENTITLE, Action.UPDATE, Action.RESET})
"""The actions of the changes a change may depend on (`depends_on`)."""


def _desired_change(
    resource: DesiredResource,
    data: DiffInput,
    *,
    digest: Digest,
    conflicts: list[str],
    notes: list[str],
) -> Change | None:
    address = resource.address
    recorded = data.recorded.get(address)
    remote = data.remote.get(address)
    after = display_shared(resource.attributes, resource.sensitive)
    exists = remote is not None and remote.remote_id is not None
    if not exists:
        if remote is not None and remote.blocked:
            return Change(
                address,
                Action.WAIT,
                display_recorded(recorded),
                after,
                reason=remote.blocked,
                probe=remote.probe,
            )
        reason = ""
        if recorded is not None:
            reason = f"recorded object {recorded.remote_id} no longer exists on the platform"
        return Change(address, resource.create_action, None, after, reason=reason)
    assert remote is not None
    assert remote.remote_id is not None
    if (
        recorded is not None
        and remote is recorded
        and _is_as_declared_but_generated(recorded, resource)
    ):
        # the platform shows the very record, which is the declared values but the generated
        # secrets (never recorded nor compared): what the comparisons below find a no-op, with
        # the record as before; at scale, every user whose password is generated
        return Change(
            address, Action.NOOP, recorded.attributes, after, remote_id=recorded.remote_id
        )
    adopting = recorded is None
    if adopting and data.rules[address.kind].followed:
        # observed, not made: what the platform now shows is recorded (no platform call)
        reason = f"{_SHOWN_NOW}; state records it (no platform call)"
        same = remote.remote_id
        return Change(address, Action.UPDATE, None, after, reason=reason, remote_id=same)
    if adopting and not (data.adopt or address in data.pending or address in data.offboarded):
        conflicts.append(f"{address} ({remote.remote_id})")
        return None
    if (
        recorded is not None
        and not resource.sensitive
        and remote.attributes == resource.attributes
        and recorded.attributes == resource.attributes
        and recorded.remote_id == remote.remote_id
    ):
        # the platform shows every desired value, as recorded: the current values (below)
        # would be these very ones, so the comparisons below would find a no-op; at scale
        # nearly every resource without a secret, and no mapping of current values is made
        return Change(address, Action.NOOP, after, after, remote_id=remote.remote_id)
    current = current_values(resource, recorded, remote)
    if resource.sensitive:
        current = conceal(current, resource.sensitive, digest)
    if (
        recorded is not None
        and recorded.attributes == current
        and recorded.remote_id == remote.remote_id
    ):
        # plain equality first: at scale nearly every resource is unchanged, with a record
        # that is not behind the platform (the desired attributes are shared as before and
        # after: no copies for a large firm's no-ops)
        if not resource.sensitive and current == resource.attributes:
            return Change(address, Action.NOOP, after, after, remote_id=remote.remote_id)
        if _is_unchanged_but_generated(resource, current):
            before = _shown(current, recorded.attributes, resource.sensitive)
            return Change(address, Action.NOOP, before, after, remote_id=remote.remote_id)
    wanted = comparable(resource, digest)
    changed = tuple(
        sorted(
            k
            for k, v in wanted.items()
            # adopting: what the platform cannot show us (a password) is not a change
            if v is not SKIP and current.get(k) != v and not (adopting and k not in current)
        )
    )
    if adopting and address in data.pending:
        # the password an interrupted create sent may not be the hand-out's last line for
        # the trader (a later create was refused): set a new one, handed out before the call
        changed = tuple(sorted({*changed, *regenerated(resource)}))
    waiting = [k for k in changed if k in remote.deferred]
    if waiting:
        notes.extend(f"{address}: {k} is not changed yet: {remote.deferred[k]}" for k in waiting)
        changed = tuple(k for k in changed if k not in remote.deferred)
    frozen = [k for k in changed if k in resource.create_only]
    followed = [
        k for k in frozen if following_renames(resource, k, current.get(k), wanted[k], data.renamed)
    ]
    if followed:  # a renamed trader named in a create-only value: state alone follows
        changed = tuple(k for k in changed if k not in followed)
        frozen = [k for k in frozen if k not in followed]
    if frozen and not adopting:
        notes.append(
            f"{address}: {', '.join(frozen)} can only be set when it is created on the "
            "platform; the change is not applied (recreate the trader to change it)"
        )
        changed = tuple(k for k in changed if k not in resource.create_only)
    before = display(current, resource.sensitive)
    same = remote.remote_id
    forced = [k for k in changed if k in resource.replace_on]
    if adopting:
        return adopted(
            resource,
            remote,
            data,
            before=before,
            after=after,
            changed=changed,
            forced=forced,
            notes=notes,
        )
    if not changed:
        assert recorded is not None
        reason = behind(resource, recorded, remote, digest)
        if followed and not reason:
            reason = f"{', '.join(followed)} names a renamed trader; state follows"
        if reason:  # the platform already matches; state catches up (no platform call)
            return Change(address, Action.UPDATE, before, after, reason=reason, remote_id=same)
        return Change(address, Action.NOOP, before, after, remote_id=same)
    return modified(
        resource,
        recorded,
        data,
        before=before,
        after=after,
        changed=changed,
        forced=forced,
        remote_id=same,
    )


_SHOWN_NOW = "the platform now shows it"


def _is_unchanged_but_generated(resource: DesiredResource, current: Mapping[str, Any]) -> bool:
    """Whether every secret of `resource` is generated (never compared) and every other
    desired value is the current one: what the full comparison finds a no-op when the record
    is the current values and the remote id the recorded one (a user with a generated
    password, at scale most users)."""
    attributes = resource.attributes
    sensitive = resource.sensitive
    return all(type(attributes.get(key)) is GeneratedSecret for key in sensitive) and all(
        current.get(k) == v for k, v in attributes.items() if k not in sensitive
    )


def _is_as_declared_but_generated(shown: Remote, resource: DesiredResource) -> bool:
    """Whether the attributes `shown` are a view of `resource`'s declared ones less every
    secret, each of them generated (see `AsRecorded`)."""
    attributes = shown.attributes
    return type(attributes) is AsRecorded and attributes.leaves_out_every(
        resource.attributes, resource.sensitive
    )


def _shown(
    current: Mapping[str, Any], recorded: Mapping[str, Any], sensitive: frozenset[str]
) -> Mapping[str, Any]:
    """`display(current)` for a no-op whose record is `current`: the recorded mapping itself
    when it holds no secret (a user whose password is generated and never recorded, most
    users at scale: no copy each)."""
    return recorded if sensitive.isdisjoint(current) else display(current, sensitive)


def _with_dependencies(
    change: Change, desired: Mapping[Address, DesiredResource], planned: set[Address]
) -> Change:
    if not change.calls_platform:
        return change
    resource = desired.get(change.address)
    if resource is None:
        return change
    deps = tuple(d for d in resource.depends_on if d in planned)
    if not deps:
        return change
    return replace(change, depends_on=deps)  # every other field kept (the remote id too)
