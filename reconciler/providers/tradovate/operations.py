"""Batches to Tradovate calls: the operation of each (kind, action), with those of users,
contacts and entitlements here and those of accounts in `account_operations`."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import SecretStr

from reconciler.errors import ProviderError
from reconciler.plan import Action
from reconciler.providers.base import Batch, ItemResult
from reconciler.providers.tradovate.account_operations import (
    cancel_accounts,
    create_accounts,
    replace_accounts,
    update_accounts,
    update_and_reset_accounts,
)
from reconciler.providers.tradovate.catalogue import Catalogue
from reconciler.providers.tradovate.client import TradovateClient
from reconciler.providers.tradovate.items import item_result, own_id, user_id_of
from reconciler.providers.tradovate.models import ContactUpdate, EvaluationUser
from reconciler.providers.tradovate.resources import ACCOUNT, CONTACT, ENTITLEMENT, USER

Operation = Callable[[TradovateClient, Catalogue, Batch], list[ItemResult]]


def execute(client: TradovateClient, catalogue: Catalogue, batch: Batch) -> list[ItemResult]:
    """Run one batch with the operation registered for its kind and action."""
    operation = _OPERATIONS.get((batch.kind, batch.action))
    if operation is None:
        raise ProviderError(
            f"{batch.action} is not supported for {batch.kind}",
            provider="tradovate",
            operation=str(batch.action),
        )
    return operation(client, catalogue, batch)


def _create_users(client: TradovateClient, catalogue: Catalogue, batch: Batch) -> list[ItemResult]:
    plan_id = catalogue.plan_id()
    users = []
    for item in batch.items:
        assert item.desired is not None
        attributes, inputs = item.desired.attributes, item.desired.inputs
        users.append(
            EvaluationUser(
                name=attributes["username"],
                email=attributes["email"],
                password=SecretStr(item.secrets["password"]),
                first_name=inputs["first_name"],
                last_name=inputs["last_name"],
                tradovate_subscription_plan_id=plan_id,
            )
        )
    outcomes = client.create_users(users)
    return [
        item_result(item, o.error_text, o.user_id)
        for item, o in zip(batch.items, outcomes, strict=True)
    ]


def _update_users(client: TradovateClient, catalogue: Catalogue, batch: Batch) -> list[ItemResult]:
    results = []
    for item in batch.items:
        user_id, error = own_id(item), None
        assert item.desired is not None
        if "email" in item.change.changed:
            error = client.modify_email(user_id=user_id, email=item.desired.attributes["email"])
        if not error and "password" in item.change.changed:
            error = client.modify_password(
                user_id=user_id, password=SecretStr(item.secrets["password"])
            )
        if not error and "subscription_plan" in item.change.changed:  # cancel-everything took it
            plan_id = catalogue.plan_id()
            assert plan_id is not None  # declared: the attribute exists only then
            error = client.add_subscription(plan_id=plan_id, user_id=user_id)
        results.append(item_result(item, error, user_id))
    return results


def _cancel_users(client: TradovateClient, _: Catalogue, batch: Batch) -> list[ItemResult]:
    ids = [own_id(item) for item in batch.items]
    client.cancel_everything(ids, domain="live")
    client.cancel_everything(ids, domain="demo")
    return [item_result(item, None) for item in batch.items]


def _put_contacts(client: TradovateClient, _: Catalogue, batch: Batch) -> list[ItemResult]:
    results = []
    for item in batch.items:
        assert item.desired is not None
        fields = dict(item.desired.attributes)
        error = client.update_contact(ContactUpdate(user_id=user_id_of(item), **fields))
        results.append(item_result(item, error, user_id_of(item)))
    return results


def _forget(_: TradovateClient, __: Catalogue, batch: Batch) -> list[ItemResult]:
    """Contact info cannot be deleted on the platform: reconciler only stops managing it."""
    return [item_result(item, None) for item in batch.items]


UNSIGNED = "Live account is required"
"""The platform's answer to an entitlement request while the trader has not signed the Market
Data Agreement (seed 002): what makes the request a safe probe of the signature."""


def _entitle(client: TradovateClient, catalogue: Catalogue, batch: Batch) -> list[ItemResult]:
    return _subscribe(client, catalogue, batch, is_probe=False)


def _probe(client: TradovateClient, catalogue: Catalogue, batch: Batch) -> list[ItemResult]:
    """A wait whose signature signal may have been archived: the entitlement request itself
    tells (granted when signed; refused with UNSIGNED, changing nothing, when not)."""
    return _subscribe(client, catalogue, batch, is_probe=True)


def _subscribe(
    client: TradovateClient, catalogue: Catalogue, batch: Batch, *, is_probe: bool
) -> list[ItemResult]:
    results = []
    account_id = catalogue.live_data_account_id()
    for item in batch.items:
        assert item.desired is not None
        user_id = user_id_of(item)
        outcome = client.add_entitlement(
            entitlement_id=int(item.desired.attributes["entitlement_id"]),
            user_id=user_id,
            account_id=account_id,
        )
        if is_probe and outcome.error_text == UNSIGNED:
            results.append(ItemResult(item.change.address, ok=True, waiting=True))
            continue
        if outcome.error_text or outcome.plugin is None:
            results.append(item_result(item, outcome.error_text or "no subscription returned"))
            continue
        for signal in catalogue.signals():
            if signal.related_to_user_id == user_id and not signal.completed:
                catalogue.completed(client.complete_alert_signal(signal.id) or signal)
        results.append(
            item_result(item, None, outcome.plugin.id, plugin_name=outcome.plugin.plugin_name)
        )
    return results


def _cancel_entitlements(client: TradovateClient, _: Catalogue, batch: Batch) -> list[ItemResult]:
    results = []
    for item in batch.items:
        assert item.recorded is not None
        error = client.change_plugin_permission(
            user_id=user_id_of(item),
            plugin_name=str(item.recorded.facts.get("plugin_name", "")),
            approval=False,
        )
        results.append(item_result(item, error))
    return results


_OPERATIONS: dict[tuple[str, Action], Operation] = {
    (USER, Action.CREATE): _create_users,
    (USER, Action.UPDATE): _update_users,
    (USER, Action.CANCEL): _cancel_users,
    (CONTACT, Action.CREATE): _put_contacts,
    (CONTACT, Action.UPDATE): _put_contacts,
    (CONTACT, Action.CANCEL): _forget,
    (ACCOUNT, Action.CREATE): create_accounts,
    (ACCOUNT, Action.UPDATE): update_accounts,
    (ACCOUNT, Action.RESET): update_and_reset_accounts,
    (ACCOUNT, Action.REPLACE): replace_accounts,
    (ACCOUNT, Action.CANCEL): cancel_accounts,
    (ENTITLEMENT, Action.ENTITLE): _entitle,
    (ENTITLEMENT, Action.WAIT): _probe,
    (ENTITLEMENT, Action.CANCEL): _cancel_entitlements,
}

__all__ = ["UNSIGNED", "execute"]
