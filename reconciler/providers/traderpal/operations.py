"""Batches to TraderPal Connect calls: one function per (kind, action), one call per user (the
platform has no batch endpoints). A 4xx answer is that item's error, never the batch's."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reconciler.errors import ProviderError
from reconciler.plan import Action
from reconciler.providers.base import Batch, BatchItem, ItemResult
from reconciler.providers.traderpal.client import TraderPalClient, TraderPalRejected
from reconciler.providers.traderpal.models import NewUser, User, UserChanges
from reconciler.providers.traderpal.resources import PROFILE, USER, VERIFICATION

logger = logging.getLogger(__name__)

_WIRE = {"phone": "phone_number"}
"""Attribute names that differ from the wire model's field names."""
CLOSED_IS_TERMINAL = (
    "the user {id} is closed on TraderPal Connect and a closed user cannot be reopened; its "
    "e-mail stays reserved, so give the trader a new e-mail (a new user is created) or "
    "remove the trader's traderpal block"
)


def execute(client: TraderPalClient, batch: Batch) -> list[ItemResult]:
    """Run one batch with the operation registered for its kind and action."""
    operation = _OPERATIONS.get((batch.kind, batch.action))
    if operation is None:
        raise ProviderError(
            f"{batch.action} is not supported for {batch.kind}",
            provider="traderpal",
            operation=str(batch.action),
        )
    return [operation(client, item) for item in batch.items]


def facts_of(user: User) -> dict[str, Any]:
    """What state remembers of a user besides its id."""
    return {"verification": "verified" if user.is_verified else "pending"}


def _ok(
    item: BatchItem, remote_id: str | None, facts: Mapping[str, Any] | None = None
) -> ItemResult:
    return ItemResult(item.change.address, ok=True, remote_id=remote_id, facts=dict(facts or {}))


def _failed(item: BatchItem, error: str) -> ItemResult:
    return ItemResult(item.change.address, ok=False, error=error)


def _own_id(item: BatchItem) -> str:
    """The id of the user the change acts on (from the plan, else from state)."""
    remote_id = item.change.remote_id or (item.recorded.remote_id if item.recorded else None)
    if not remote_id:
        raise ProviderError(
            f"{item.change.address}: no remote id to act on",
            provider="traderpal",
            operation="resolve",
        )
    return remote_id


def _desired(item: BatchItem) -> Mapping[str, Any]:
    assert item.desired is not None
    return item.desired.attributes


def _create(client: TraderPalClient, item: BatchItem) -> ItemResult:
    """POST the user; a suspended trader is suspended at once if the platform activated it."""
    attributes = _desired(item)
    try:
        user = client.create_user(
            NewUser(
                email=attributes["email"],
                first_name=attributes["first_name"],
                last_name=attributes["last_name"],
                date_of_birth=attributes.get("date_of_birth"),
                country=attributes.get("country"),
                phone_number=attributes.get("phone"),
            )
        )
    except TraderPalRejected as exc:
        return _failed(item, exc.detail)
    if user.status == "active" and attributes.get("status") == "suspended":
        try:
            user = client.update_user(user.user_id, UserChanges(status="suspended"))
        except TraderPalRejected as exc:  # the user exists: the next plan shows the status
            logger.debug("suspending new user %s failed: %s", user.user_id, exc.code)
    return _ok(item, user.user_id, facts_of(user))


def _update(client: TraderPalClient, item: BatchItem) -> ItemResult:
    """PATCH only the changed attributes."""
    user_id = _own_id(item)
    changed = set(item.change.changed)
    before = item.change.before or {}
    if "email" in changed:
        return _failed(item, "the e-mail of a TraderPal Connect user cannot change in place")
    if before.get("status") == "closed":
        return _failed(item, CLOSED_IS_TERMINAL.format(id=user_id))
    attributes = _desired(item)
    if _is_pending(item):  # the platform refuses a status change before verification; the
        changed.discard("status")  # wanted status is applied once the trader is verified
    fields = {_WIRE.get(k, k): attributes[k] for k in (*PROFILE, "status") if k in changed}
    if not fields:  # an adopted user that already matches
        return _ok(item, user_id)
    try:
        user = client.update_user(user_id, UserChanges(**fields))
    except TraderPalRejected as exc:
        return _failed(item, exc.detail)
    return _ok(item, user.user_id, facts_of(user))


def _is_pending(item: BatchItem) -> bool:
    """Whether the last refresh saw the user still waiting for identity verification."""
    return item.recorded is not None and item.recorded.facts.get("verification") == "pending"


def _close(client: TraderPalClient, user_id: str) -> None:
    """Close a user; one already closed (409) or gone (404) needs nothing more."""
    try:
        client.update_user(user_id, UserChanges(status="closed"))
    except TraderPalRejected as exc:
        if exc.status == 404 or exc.code == "invalid_state_transition":
            return
        raise


def _cancel(client: TraderPalClient, item: BatchItem) -> ItemResult:
    """Offboard: close the user (the platform has no delete)."""
    try:
        _close(client, _own_id(item))
    except TraderPalRejected as exc:
        return _failed(item, exc.detail)
    return _ok(item, None)


def _replace(client: TraderPalClient, item: BatchItem) -> ItemResult:
    """Close the old user, then create the new one (it must be verified again)."""
    old = _own_id(item)
    try:
        _close(client, old)
    except TraderPalRejected as exc:
        return _failed(item, f"closing the old user {old} failed: {exc.detail}")
    result = _create(client, item)
    if not result.ok:
        return _failed(
            item, f"the old user {old} was closed, but creating the new one failed: {result.error}"
        )
    return result


def _record(_: TraderPalClient, item: BatchItem) -> ItemResult:
    """Record the verification the platform shows (apply makes no call for it: state only)."""
    return _ok(item, item.change.remote_id)


def _forget(_: TraderPalClient, item: BatchItem) -> ItemResult:
    """Stop following the verification (nothing exists on the platform to remove)."""
    return _ok(item, None)


Operation = Callable[[TraderPalClient, BatchItem], ItemResult]

_OPERATIONS: dict[tuple[str, Action], Operation] = {
    (USER, Action.CREATE): _create,
    (USER, Action.UPDATE): _update,
    (USER, Action.REPLACE): _replace,
    (USER, Action.CANCEL): _cancel,
    (VERIFICATION, Action.UPDATE): _record,
    (VERIFICATION, Action.CANCEL): _forget,
}

__all__: Sequence[str] = ("CLOSED_IS_TERMINAL", "execute", "facts_of")
