"""How an existing, recorded object changes: an update, a reset, or a replace (or a refusal
when the platform allows none)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.errors import PlanConflict
from reconciler.plan.action import Action, Change
from reconciler.plan.inputs import DiffInput
from reconciler.plan.resource import DesiredResource, Recorded


def modified(
    resource: DesiredResource,
    recorded: Recorded | None,
    data: DiffInput,
    *,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    changed: tuple[str, ...],
    forced: list[str],
    remote_id: str,
) -> Change:
    """An update or reset in place when the kind allows it and nothing replace-only changed;
    otherwise a replace, or a conflict when the kind cannot be replaced either."""
    address = resource.address
    kind_actions = data.rules[address.kind].actions
    if not forced and Action.UPDATE in kind_actions:
        return _update_or_reset(
            resource, recorded, data, before, after, changed, remote_id=remote_id
        )
    if Action.REPLACE not in kind_actions:
        raise PlanConflict(
            f"{address}: {', '.join(forced or changed)} cannot change on the platform; "
            "offboard it and declare a new one instead"
        )
    reason = f"{', '.join(forced or changed)} cannot change in place"
    return Change(
        address, Action.REPLACE, before, after, changed, reason=reason, remote_id=remote_id
    )


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
    if resets and resource.address not in data.interrupted:
        return Change(resource.address, Action.RESET, before, after, changed, remote_id=remote_id)
    reason = _first_token(resource, changed, kept)
    if resets:  # an interrupted apply sent this reset
        reason = (
            "an interrupted apply sent this reset and its answer was lost; the platform keeps "
            "no reset history, so it is recorded, not sent again (change the token once more "
            "if the account was not reset)"
        )
    return Change(
        resource.address, Action.UPDATE, before, after, changed, reason=reason, remote_id=remote_id
    )


def _first_token(
    resource: DesiredResource, changed: tuple[str, ...], kept: Mapping[str, Any]
) -> str:
    first = [k for k in changed if k in resource.reset_on and kept.get(k) is None]
    if not first:
        return ""
    return f"first {', '.join(first)} recorded: nothing is reset"
