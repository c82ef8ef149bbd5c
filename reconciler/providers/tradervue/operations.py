"""Batches to Tradervue calls: one function per (kind, action). The API has no batch endpoints,
so each item is one call; an item the platform refuses is a failed ItemResult."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import SecretStr

from reconciler.errors import ProviderError, ProviderRejected
from reconciler.plan import Action, Address
from reconciler.providers.base import Batch, BatchItem, ItemResult
from reconciler.providers.tradervue.client import PROVIDER, TradervueClient
from reconciler.providers.tradervue.models import NewUser, NewUserSettings, UserUpdate, WireChart
from reconciler.providers.tradervue.resources import UPDATABLE, USER

FREE = "Free"
LEFT_ORGANIZATION = (
    "user {id} is no longer in the organization (it left Tradervue's organization outside "
    "reconciler); the next plan creates it again"
)

Operation = Callable[[TradervueClient, Batch], list[ItemResult]]


def execute(client: TradervueClient, batch: Batch) -> list[ItemResult]:
    """Run one batch with the operation registered for its kind and action."""
    operation = _OPERATIONS.get((batch.kind, batch.action))
    if operation is None:
        raise ProviderError(
            f"{batch.action} is not supported for {batch.kind}",
            provider=PROVIDER,
            operation=str(batch.action),
        )
    return operation(client, batch)


def _failed(item: BatchItem, error: str) -> ItemResult:
    return ItemResult(item.change.address, ok=False, error=error)


def _done(item: BatchItem, remote_id: int | str | None = None) -> ItemResult:
    return ItemResult(
        item.change.address, ok=True, remote_id=None if remote_id is None else str(remote_id)
    )


def _own_id(item: BatchItem) -> int:
    """The id of the user the change acts on (from the plan, else from state)."""
    remote_id = item.change.remote_id or (item.recorded.remote_id if item.recorded else None)
    if remote_id is None:
        raise ProviderError(
            f"{item.change.address}: no remote id to act on", provider=PROVIDER, operation="resolve"
        )
    return int(remote_id)


def new_user(item: BatchItem) -> NewUser:
    """The create request of one item; raises KeyError naming a mentor without an id yet."""
    assert item.desired is not None
    attributes = item.desired.attributes
    settings: Mapping[str, Any] = attributes.get("settings") or {}
    wire_settings = None
    if settings:
        mentor = settings.get("mentor")
        wire_settings = NewUserSettings(
            merge_mode=settings.get("merge_mode"),
            commission_stocks=settings.get("commission_stocks"),
            commission_options=settings.get("commission_options"),
            commission_futures=settings.get("commission_futures"),
            mentor=None if mentor is None else _mentor_id(item, mentor),
            charts=[WireChart(**chart) for chart in settings["charts"]]
            if "charts" in settings
            else None,
        )
    return NewUser(
        username=attributes["username"],
        plan=attributes["plan"],
        email=attributes["email"],
        password=SecretStr(item.secrets["password"]),
        trial_end=attributes.get("trial_end"),
        settings=wire_settings,
    )


def _mentor_id(item: BatchItem, mentor: str) -> int:
    address = Address(USER, mentor)
    if address not in item.ids:
        raise KeyError(mentor)
    return int(item.ids[address])


def _create_users(client: TradervueClient, batch: Batch) -> list[ItemResult]:
    results = []
    for item in batch.items:
        try:
            request = new_user(item)
        except KeyError as exc:
            results.append(_failed(item, f"mentor {exc.args[0]!r} has no Tradervue user yet"))
            continue
        try:
            results.append(_done(item, client.create_user(request)))
        except ProviderRejected as exc:
            results.append(_failed(item, str(exc)))
    return results


def _update_users(client: TradervueClient, batch: Batch) -> list[ItemResult]:
    """PUT only the changed fields, then read the user back (the PUT answers an empty body)."""
    return [_update_user(client, item) for item in batch.items]


def _update_user(client: TradervueClient, item: BatchItem) -> ItemResult:
    assert item.desired is not None
    user_id = _own_id(item)
    wanted = {k: item.desired.attributes[k] for k in item.change.changed if k in UPDATABLE}
    if not wanted:
        return _done(item, user_id)
    try:
        user = (
            client.get_user(user_id) if client.update_user(user_id, UserUpdate(**wanted)) else None
        )
    except ProviderRejected as exc:
        return _failed(item, str(exc))
    if user is None:
        return _failed(item, LEFT_ORGANIZATION.format(id=user_id))
    kept = sorted(k for k, v in wanted.items() if getattr(user, k) != v)
    if kept:
        return _failed(item, f"the platform kept a different {', '.join(kept)}")
    return _done(item, user_id)


def _cancel_users(client: TradervueClient, batch: Batch) -> list[ItemResult]:
    """Offboarding: there is no DELETE, so downgrade to Free; a user already gone is done."""
    results = []
    for item in batch.items:
        try:
            client.update_user(_own_id(item), UserUpdate(plan=FREE))
        except ProviderRejected as exc:
            results.append(_failed(item, str(exc)))
            continue
        results.append(_done(item))
    return results


_OPERATIONS: dict[tuple[str, Action], Operation] = {
    (USER, Action.CREATE): _create_users,
    (USER, Action.UPDATE): _update_users,
    (USER, Action.CANCEL): _cancel_users,
}

__all__: Sequence[str] = ("execute", "new_user")
