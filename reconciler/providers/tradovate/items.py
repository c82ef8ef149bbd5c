"""What every Tradovate operation needs of a batch item: the ids it acts on and its result."""

from __future__ import annotations

from typing import Any

from reconciler.errors import ProviderError
from reconciler.plan import Address
from reconciler.providers.base import BatchItem, ItemResult
from reconciler.providers.tradovate.resources import USER


def user_id_of(item: BatchItem) -> int:
    """The remote id of the user of the trader the change belongs to."""
    user = Address(USER, item.change.address.trader)
    if user in item.ids:
        return int(item.ids[user])
    raise ProviderError(
        f"{item.change.address}: its user has no remote id",
        provider="tradovate",
        operation="resolve",
    )


def own_id(item: BatchItem) -> int:
    """The id of the object the change acts on (from the plan, else from state)."""
    remote_id = item.change.remote_id or (item.recorded.remote_id if item.recorded else None)
    if remote_id is None:
        raise ProviderError(
            f"{item.change.address}: no remote id to act on",
            provider="tradovate",
            operation="resolve",
        )
    return int(remote_id)


def item_result(
    item: BatchItem, error: str | None, remote_id: Any = None, **facts: Any
) -> ItemResult:
    """A failed result naming `error`, else a successful one with the remote id and facts."""
    if error:
        return ItemResult(item.change.address, ok=False, error=error)
    return ItemResult(
        item.change.address,
        ok=True,
        remote_id=None if remote_id is None else str(remote_id),
        facts=facts,
    )


__all__ = ["item_result", "own_id", "user_id_of"]
