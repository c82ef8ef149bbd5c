"""The diff: desired resources vs recorded state and refreshed remote objects -> changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic import SecretStr

from reconciler.errors import PlanConflict
from reconciler.plan.action import SENSITIVE, Action, Change
from reconciler.plan.address import Address
from reconciler.plan.concealed import conceal, digest_value, is_plain_sensitive
from reconciler.plan.resource import DesiredResource, GeneratedSecret, KindRules, Recorded, Remote

Digest = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class DiffInput:
    """Everything the diff compares; all of it already loaded or refreshed.

    `pending` holds addresses whose create was started by an interrupted apply: a remote
    object found for them by natural key is adopted, not duplicated; one found for an address
    no longer desired nor recorded is cancelled (offboarded), like a recorded one. With
    `adopt`, every unrecorded remote object matching a desired natural key is adopted.
    `interrupted` holds addresses whose reset an interrupted apply sent without recording its
    answer: platforms keep no reset history, so the reset is recorded, never sent twice.
    """

    desired: Sequence[DesiredResource]
    recorded: Mapping[Address, Recorded]
    remote: Mapping[Address, Remote]
    rules: Mapping[str, KindRules]
    pending: frozenset[Address] = frozenset()
    adopt: bool = False
    cancelled: frozenset[str] = frozenset()
    """Traders the manifests declare with `status: cancelled` (their cancels say so)."""
    interrupted: frozenset[Address] = frozenset()
    """Addresses whose reset an interrupted apply sent (its answer lost): recorded, not resent."""


@dataclass(frozen=True, slots=True)
class Diff:
    """The changes (unordered, no-ops included) and notes for humans (create-only drift)."""

    changes: list[Change]
    notes: list[str]


def diff(data: DiffInput, *, digest: Digest) -> Diff:
    """Changes for every desired and every recorded address."""
    data = _unadoptable(data)
    changes: list[Change] = []
    conflicts: list[str] = []
    notes: list[str] = []
    desired_addresses = {resource.address for resource in data.desired}
    for resource in data.desired:
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
    changes.extend(_cancels(data, desired_addresses))
    planned = {
        c.address
        for c in changes
        if c.action in (Action.CREATE, Action.REPLACE, Action.ENTITLE, Action.UPDATE, Action.RESET)
    }
    by_address = {r.address: r for r in data.desired}
    return Diff([_with_dependencies(c, by_address, planned) for c in changes], notes)


def _unadoptable(data: DiffInput) -> DiffInput:
    """Move what an interrupted create made under a key the manifests changed since, and that
    can neither change in place nor be replaced, to a stray address: it is offboarded, and the
    address planned anew."""
    remote = dict(data.remote)
    pending = set(data.pending)
    for resource in data.desired:
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
    after = _shown(resource.attributes, resource.sensitive)
    exists = remote is not None and remote.remote_id is not None
    if not exists:
        if remote is not None and remote.blocked:
            return Change(
                address,
                Action.WAIT,
                _display_recorded(recorded),
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
    adopting = recorded is None
    if adopting and not (data.adopt or address in data.pending):
        conflicts.append(f"{address} ({remote.remote_id})")
        return None
    current = conceal(_current(resource, recorded, remote), resource.sensitive, digest)
    if (
        recorded is not None
        and not resource.sensitive
        and current == resource.attributes
        and recorded.attributes == current
        and recorded.remote_id == remote.remote_id
    ):
        # plain equality first: at scale nearly every resource is unchanged, with a record
        # that is not behind the platform (the desired attributes are shared as before and
        # after: no copies for a large firm's no-ops)
        return Change(address, Action.NOOP, after, after, remote_id=remote.remote_id)
    wanted = _comparable(resource, digest)
    changed = tuple(
        sorted(
            k
            for k, v in wanted.items()
            # adopting: what the platform cannot show us (a password) is not a change
            if v is not _SKIP and current.get(k) != v and not (adopting and k not in current)
        )
    )
    if adopting and address in data.pending:
        # the password an interrupted create sent may not be the hand-out's last line for
        # the trader (a later create was refused): set a new one, handed out before the call
        changed = tuple(sorted({*changed, *_regenerated(resource)}))
    waiting = [k for k in changed if k in remote.deferred]
    if waiting:
        notes.extend(f"{address}: {k} is not changed yet: {remote.deferred[k]}" for k in waiting)
        changed = tuple(k for k in changed if k not in remote.deferred)
    frozen = [k for k in changed if k in resource.create_only]
    if frozen and not adopting:
        notes.append(
            f"{address}: {', '.join(frozen)} can only be set when it is created on the "
            "platform; the change is not applied (recreate the trader to change it)"
        )
        changed = tuple(k for k in changed if k not in resource.create_only)
    before = display(current, resource.sensitive)
    same = remote.remote_id
    forced = [k for k in changed if k in resource.replace_on]
    kind_actions = data.rules[address.kind].actions
    if adopting:
        why = "interrupted apply" if address in data.pending else "--adopt"
        reason = f"adopt existing remote object {remote.remote_id} ({why})"
        unseen = sorted(
            k for k in resource.attributes if k not in remote.attributes and k not in changed
        )
        if unseen:
            kept = " (a password is left as it is on the platform)" if "password" in unseen else ""
            notes.append(
                f"{address}: adopted; the platform does not show {', '.join(unseen)}: state "
                f"records the manifests' values{kept}"
            )
        if forced and Action.REPLACE in kind_actions:
            # a replace-only attribute differs (or a key the manifests changed since an
            # interrupted create sent it): adopted, then replaced
            reason = f"{reason}; {', '.join(forced)} cannot change in place"
            return Change(
                address, Action.REPLACE, before, after, changed, reason=reason, remote_id=same
            )
        return Change(address, Action.UPDATE, before, after, changed, reason=reason, remote_id=same)
    if not changed:
        assert recorded is not None
        reason = _behind(resource, recorded, remote, digest)
        if reason:  # the platform already matches; state catches up (no platform call)
            return Change(address, Action.UPDATE, before, after, reason=reason, remote_id=same)
        return Change(address, Action.NOOP, before, after, remote_id=same)
    if not forced and Action.UPDATE in kind_actions:
        return _update_or_reset(resource, recorded, data, before, after, changed, remote_id=same)
    if Action.REPLACE not in kind_actions:
        raise PlanConflict(
            f"{address}: {', '.join(forced or changed)} cannot change on the platform; "
            "offboard it and declare a new one instead"
        )
    reason = f"{', '.join(forced or changed)} cannot change in place"
    return Change(address, Action.REPLACE, before, after, changed, reason=reason, remote_id=same)


def _update_or_reset(
    resource: DesiredResource,
    recorded: Recorded | None,
    data: DiffInput,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    changed: tuple[str, ...],
    *,
    remote_id: str,
) -> Change:
    """An update, or a reset when a `reset_on` attribute changed from a recorded value."""
    kept = recorded.attributes if recorded is not None else {}
    resets = [k for k in changed if k in resource.reset_on and kept.get(k) is not None]
    if not resets:
        reason = _first_token(resource, changed, kept)
        return Change(
            resource.address,
            Action.UPDATE,
            before,
            after,
            changed,
            reason=reason,
            remote_id=remote_id,
        )
    if resource.address in data.interrupted:
        reason = (
            "an interrupted apply sent this reset and its answer was lost; the platform keeps "
            "no reset history, so it is recorded, not sent again (change the token once more "
            "if the account was not reset)"
        )
        return Change(
            resource.address,
            Action.UPDATE,
            before,
            after,
            changed,
            reason=reason,
            remote_id=remote_id,
        )
    return Change(resource.address, Action.RESET, before, after, changed, remote_id=remote_id)


def _first_token(
    resource: DesiredResource, changed: tuple[str, ...], kept: Mapping[str, Any]
) -> str:
    first = [k for k in changed if k in resource.reset_on and kept.get(k) is None]
    if not first:
        return ""
    return f"first {', '.join(first)} recorded: nothing is reset"


def _behind(resource: DesiredResource, recorded: Recorded, remote: Remote, digest: Digest) -> str:
    """Why state lags behind a platform that already matches the manifests (an interrupted
    replace made a new object; a change landed but its answer was lost), or ""."""
    if recorded.remote_id != remote.remote_id:
        return f"the platform now holds it as {remote.remote_id} (recorded: {recorded.remote_id})"
    shown = conceal(remote.attributes, resource.sensitive, digest)
    stale = sorted(
        key
        for key, value in shown.items()
        if key in resource.attributes
        and key not in resource.create_only
        and key in recorded.attributes
        and recorded.attributes[key] != value
    )
    if stale:
        return f"state records an older {', '.join(stale)} than the platform, which matches"
    return ""


_SKIP: Any = object()


def _regenerated(resource: DesiredResource) -> tuple[str, ...]:
    """Generated secrets the platform lets us set again on an existing object."""
    return tuple(
        key
        for key, value in resource.attributes.items()
        if isinstance(value, GeneratedSecret) and key not in resource.create_only
    )


def _comparable(resource: DesiredResource, digest: Digest) -> dict[str, Any]:
    """Desired values as stored in state: secrets as digests; generated ones never compared."""
    values: dict[str, Any] = {}
    for key, value in resource.attributes.items():
        if isinstance(value, GeneratedSecret):
            values[key] = _SKIP
        elif isinstance(value, SecretStr):
            values[key] = digest(value.get_secret_value())
        elif key in resource.sensitive and is_plain_sensitive(value):
            values[key] = digest_value(value, digest)  # from a reference
        else:
            values[key] = value
    return values


def recordable(resource: DesiredResource, *, digest: Digest) -> dict[str, Any]:
    """The attributes state keeps after a successful apply (secrets as keyed digests)."""
    return {k: v for k, v in _comparable(resource, digest).items() if v is not _SKIP}


def _current(
    resource: DesiredResource, recorded: Recorded | None, remote: Remote
) -> dict[str, Any]:
    """What the platform has now: remote values, or recorded ones it cannot show us."""
    shown = remote.attributes
    kept = recorded.attributes if recorded is not None else {}
    return {
        key: shown[key] if key in shown else kept[key]
        for key in resource.attributes
        if key in shown or key in kept
    }


def _shown(attributes: Mapping[str, Any], sensitive: frozenset[str]) -> Mapping[str, Any]:
    """`display`, sharing the attributes themselves when nothing in them is secret."""
    return attributes if not sensitive else display(attributes, sensitive)


def display(attributes: Mapping[str, Any], sensitive: Iterable[str]) -> dict[str, Any]:
    """Attributes safe to show or save in a plan: every secret becomes SENSITIVE."""
    hidden = set(sensitive)
    if not hidden:
        return dict(attributes)
    return {k: (SENSITIVE if k in hidden and v is not None else v) for k, v in attributes.items()}


def _display_recorded(recorded: Recorded | None) -> dict[str, Any] | None:
    if recorded is None:
        return None
    return {
        k: (SENSITIVE if isinstance(v, str) and v.startswith("hmac-") else v)
        for k, v in recorded.attributes.items()
    }


def _orphans(data: DiffInput, desired_addresses: set[Address]) -> dict[Address, Recorded]:
    """Objects an interrupted apply created for addresses no longer desired nor recorded."""
    found = {}
    for address in data.pending - desired_addresses - data.recorded.keys():
        remote = data.remote.get(address)
        if remote is not None and remote.remote_id is not None:
            found[address] = Recorded(address, remote.remote_id, dict(remote.attributes))
    return found


def _cancels(data: DiffInput, desired_addresses: set[Address]) -> list[Change]:
    orphans = _orphans(data, desired_addresses)
    known = {**data.recorded, **orphans}
    gone = sorted((a for a in known if a not in desired_addresses), key=Address.sort_key)
    gone_set = set(gone)
    changes = []
    for address in gone:
        parent_kind = data.rules[address.kind].parent
        via = Address(parent_kind, address.trader) if parent_kind else None
        if via not in gone_set:
            via = None
        note = data.rules[address.kind].cancel_note
        reason = f"performed by the cancel of {via}" if via else "no longer declared"
        if not via and address.trader in data.cancelled:
            reason = "status: cancelled"
        if address in orphans:
            reason = f"created by an interrupted apply; {reason}"
        if note and not via:
            reason = f"{reason}; {note}"
        recorded = known[address]
        before = _display_recorded(recorded)
        changes.append(
            Change(
                address,
                Action.CANCEL,
                before,
                None,
                reason=reason,
                via=via,
                remote_id=recorded.remote_id,
            )
        )
    return changes


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
