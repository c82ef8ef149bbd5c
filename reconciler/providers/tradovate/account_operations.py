"""Tradovate account operations: create from a template, risk settings and lifecycle, reset,
replace and cancel (revoking trading permissions)."""

from __future__ import annotations

from typing import Any

from pydantic.alias_generators import to_camel

from reconciler.providers.base import Batch, ItemResult
from reconciler.providers.tradovate.catalogue import Catalogue
from reconciler.providers.tradovate.client import TradovateClient
from reconciler.providers.tradovate.items import item_result, own_id, user_id_of
from reconciler.providers.tradovate.lifecycle import apply_lifecycle, reset_accounts
from reconciler.providers.tradovate.models import EvaluationAccount


def _risk(values: dict[str, Any]) -> dict[str, Any]:
    return {to_camel(k): v for k, v in values.items()}


def create_accounts(
    client: TradovateClient, catalogue: Catalogue, batch: Batch
) -> list[ItemResult]:
    accounts = []
    for item in batch.items:
        assert item.desired is not None
        attributes = item.desired.attributes
        accounts.append(
            EvaluationAccount(
                user_id=user_id_of(item),
                template_account_id=catalogue.template_id(item.desired.inputs),
                name=attributes["name"],
                initial_balance=attributes["initial_balance"],
                pre_trade_risk=[_risk(r) for r in attributes["pre_trade_risk"]] or None,
                post_trade_risk=_risk(attributes["post_trade_risk"]) or None,
            )
        )
    outcomes = client.create_accounts(accounts)
    made = [
        (item, o.account_id)
        for item, o in zip(batch.items, outcomes, strict=True)
        if not o.error_text and o.account_id is not None
    ]
    errors = apply_lifecycle(client, catalogue.risk_category_id, made, created=True)
    return [
        item_result(
            item,
            o.error_text or errors.get(item.change.address),
            o.account_id,
            trading_permission_id=o.trading_permission_id,
        )
        for item, o in zip(batch.items, outcomes, strict=True)
    ]


def update_accounts(
    client: TradovateClient, catalogue: Catalogue, batch: Batch
) -> list[ItemResult]:
    items = []
    for item in batch.items:
        assert item.desired is not None
        if "post_trade_risk" in item.change.changed:
            risk = _risk(item.desired.attributes["post_trade_risk"])
            items.append({to_camel("account_id"): own_id(item), **risk})
    if items:
        client.update_auto_liqs(items)
    owned = [(item, own_id(item)) for item in batch.items]
    errors = apply_lifecycle(client, catalogue.risk_category_id, owned)
    return [
        item_result(item, errors.get(item.change.address), own_id(item)) for item in batch.items
    ]


def update_and_reset_accounts(
    client: TradovateClient, catalogue: Catalogue, batch: Batch
) -> list[ItemResult]:
    """The batch's other changes first, then one reset call for every account of the batch
    (across traders) whose other changes landed."""
    results = update_accounts(client, catalogue, batch)
    ids = [
        own_id(item)
        for item, result in zip(batch.items, results, strict=True)
        if result.ok and "reset" in item.change.changed
    ]
    reset_accounts(client, ids)
    return results


def _permission_ids(batch: Batch) -> list[int]:
    ids = []
    for item in batch.items:
        if item.recorded is not None and item.recorded.facts.get("trading_permission_id"):
            ids.append(int(item.recorded.facts["trading_permission_id"]))
    return ids


def cancel_accounts(client: TradovateClient, _: Catalogue, batch: Batch) -> list[ItemResult]:
    ids = _permission_ids(batch)
    if ids:
        client.revoke_trading_permissions(ids)
    return [item_result(item, None) for item in batch.items]


def replace_accounts(
    client: TradovateClient, catalogue: Catalogue, batch: Batch
) -> list[ItemResult]:
    cancel_accounts(client, catalogue, batch)
    return create_accounts(client, catalogue, batch)


__all__ = [
    "cancel_accounts",
    "create_accounts",
    "replace_accounts",
    "update_accounts",
    "update_and_reset_accounts",
]
