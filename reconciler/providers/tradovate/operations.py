"""Batches to Tradovate calls: one function per (kind, action), plus the per-run catalogue."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import SecretStr
from pydantic.alias_generators import to_camel

from reconciler.errors import PlanConflict, ProviderError
from reconciler.plan.action import Action
from reconciler.plan.address import Address
from reconciler.providers.base import Batch, BatchItem, ItemResult
from reconciler.providers.tradovate.client import TradovateClient
from reconciler.providers.tradovate.config import TradovateSettings
from reconciler.providers.tradovate.lifecycle import apply_lifecycle, reset_accounts
from reconciler.providers.tradovate.models import (
    Account,
    AlertSignal,
    ContactUpdate,
    EvaluationAccount,
    EvaluationUser,
)
from reconciler.providers.tradovate.resources import ACCOUNT, CONTACT, ENTITLEMENT, USER
from reconciler.providers.tradovate.signatures import SignalBook


class Catalogue:
    """List calls made at most once per run: plans, accounts (templates), signature signals.

    With a seeded `book` (the user-data stream runs), signals come from it, not from a call.
    """

    def __init__(
        self,
        client: TradovateClient,
        settings: TradovateSettings,
        book: SignalBook | None = None,
        *,
        alert_id: int | None = None,
    ) -> None:
        self._client = client
        self._settings = settings
        self._book = book
        self._plan_id: int | None = None
        self._accounts: list[Account] | None = None
        self._signals: list[AlertSignal] | None = None
        self._alert_id = alert_id  # checked once per process: admin alerts do not come and go
        self._categories: dict[str, int] | None = None

    def plan_id(self) -> int | None:
        """The firm's subscription plan id, resolved by name; None when none is declared."""
        name = self._settings.subscription_plan
        if name is None:
            return None
        if self._plan_id is None:
            plans = {p.name: p.id for p in self._client.list_subscription_plans()}
            if name not in plans:
                raise PlanConflict(
                    f"tradovate subscription plan {name!r} not found on the platform"
                )
            self._plan_id = plans[name]
        return self._plan_id

    def accounts(self) -> list[Account]:
        if self._accounts is None:
            self._accounts = self._client.list_accounts()
        return self._accounts

    def risk_categories(self) -> dict[str, int]:
        """Risk category ids by name (one list call per run)."""
        if self._categories is None:
            self._categories = {c.name: c.id for c in self._client.list_risk_categories()}
        return self._categories

    def risk_category_id(self, name: str) -> int:
        found = self.risk_categories().get(name)
        if found is None:
            raise PlanConflict(f"tradovate risk category {name!r} not found on the platform")
        return found

    def signals(self) -> list[AlertSignal]:
        if self._signals is None:
            known = None if self._book is None else self._book.snapshot()
            if known is None:
                known = self._client.list_alert_signals(self.alert_id())
            self._signals = known
        return self._signals

    def alert_id(self) -> int:
        """The admin alert of Market Data Agreement signatures, checked against the platform's
        alerts: the firm's `mda_alert_id` must name one; otherwise the alert named
        MDA_ALERT_NAME, else this environment's known id. A wrong id would wait forever."""
        if self._alert_id is None:
            alerts = {a.id: a.name for a in self._client.list_admin_alerts()}
            self._alert_id = resolve_alert_id(self._settings, alerts)
        return self._alert_id

    def completed(self, signal: AlertSignal) -> None:
        """Note a signal we completed, so this run and later ones do not complete it again."""
        stamp = signal.completed or signal.timestamp
        self._signals = [
            s.model_copy(update={"completed": stamp}) if s.id == signal.id else s
            for s in self.signals()
        ]
        if self._book is not None:
            self._book.complete(signal.id, stamp)

    def check_template(self, address: Address, inputs: Mapping[str, Any]) -> None:
        """Refuse at plan time an account whose template apply would not find."""
        if inputs.get("template_account_id") is not None:
            wanted = int(inputs["template_account_id"])
            if not any(a.id == wanted and not a.closed for a in self.accounts()):
                raise PlanConflict(
                    f"{address}: tradovate template account id {wanted} not found on the "
                    "platform; fix template_account_id in the Firm's account_templates"
                )
            return
        try:
            self.template_id(inputs)
        except PlanConflict as exc:
            raise PlanConflict(
                f"{address}: {exc}; fix template_account in the Firm's account_templates"
            ) from None

    def template_id(self, inputs: Mapping[str, Any] | Any) -> int:
        """The template account id of an account's template (by id, or by name)."""
        if inputs.get("template_account_id") is not None:
            return int(inputs["template_account_id"])
        name = inputs["template_account"]
        for account in self.accounts():
            if account.name == name and not account.closed:
                return account.id
        raise PlanConflict(f"tradovate template account {name!r} not found on the platform")


MDA_ALERT_NAME = "custapp:nonpro-signed"
"""The event the platform raises when a user signs the non-professional Market Data Agreement;
its admin alert id differs per environment (seed 002)."""


def resolve_alert_id(settings: TradovateSettings, alerts: dict[int, str]) -> int:
    """The MDA alert id among the platform's `alerts` (id -> name), or a PlanConflict."""
    configured = settings.mda_alert_id
    if configured is not None:
        if configured not in alerts:
            raise PlanConflict(
                f"tradovate mda_alert_id {configured} matches no admin alert on the platform "
                f"(it has {_alert_list(alerts)}); signatures would never be seen"
            )
        return configured
    named = [i for i, name in alerts.items() if name.lower() == MDA_ALERT_NAME]
    if len(named) == 1:
        return named[0]
    if isinstance(settings.environment, str) and settings.alert_id in alerts:
        return settings.alert_id
    raise PlanConflict(
        f"tradovate: no admin alert named {MDA_ALERT_NAME!r} on the platform (it has "
        f"{_alert_list(alerts)}); set providers.tradovate.mda_alert_id to the alert whose "
        "signals say a trader signed the Market Data Agreement"
    )


def _alert_list(alerts: dict[int, str]) -> str:
    if not alerts:
        return "none"
    return ", ".join(f"{i} {name!r}" for i, name in sorted(alerts.items())[:5])


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


def _user_id(item: BatchItem) -> int:
    user = Address(USER, item.change.address.trader)
    if user in item.ids:
        return int(item.ids[user])
    raise ProviderError(
        f"{item.change.address}: its user has no remote id",
        provider="tradovate",
        operation="resolve",
    )


def _own_id(item: BatchItem) -> int:
    """The id of the object the change acts on (from the plan, else from state)."""
    remote_id = item.change.remote_id or (item.recorded.remote_id if item.recorded else None)
    if remote_id is None:
        raise ProviderError(
            f"{item.change.address}: no remote id to act on",
            provider="tradovate",
            operation="resolve",
        )
    return int(remote_id)


def _result(item: BatchItem, error: str | None, remote_id: Any = None, **facts: Any) -> ItemResult:
    if error:
        return ItemResult(item.change.address, ok=False, error=error)
    return ItemResult(
        item.change.address,
        ok=True,
        remote_id=None if remote_id is None else str(remote_id),
        facts=facts,
    )


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
        _result(item, o.error_text, o.user_id)
        for item, o in zip(batch.items, outcomes, strict=True)
    ]


def _update_users(client: TradovateClient, _: Catalogue, batch: Batch) -> list[ItemResult]:
    results = []
    for item in batch.items:
        user_id, error = _own_id(item), None
        assert item.desired is not None
        if "email" in item.change.changed:
            error = client.modify_email(user_id=user_id, email=item.desired.attributes["email"])
        if not error and "password" in item.change.changed:
            error = client.modify_password(
                user_id=user_id, password=SecretStr(item.secrets["password"])
            )
        results.append(_result(item, error, user_id))
    return results


def _cancel_users(client: TradovateClient, _: Catalogue, batch: Batch) -> list[ItemResult]:
    ids = [_own_id(item) for item in batch.items]
    client.cancel_everything(ids, domain="live")
    client.cancel_everything(ids, domain="demo")
    return [_result(item, None) for item in batch.items]


def _put_contacts(client: TradovateClient, _: Catalogue, batch: Batch) -> list[ItemResult]:
    results = []
    for item in batch.items:
        assert item.desired is not None
        fields = dict(item.desired.attributes)
        error = client.update_contact(ContactUpdate(user_id=_user_id(item), **fields))
        results.append(_result(item, error, _user_id(item)))
    return results


def _forget(_: TradovateClient, __: Catalogue, batch: Batch) -> list[ItemResult]:
    """Contact info cannot be deleted on the platform: reconciler only stops managing it."""
    return [_result(item, None) for item in batch.items]


def _risk(values: dict[str, Any]) -> dict[str, Any]:
    return {to_camel(k): v for k, v in values.items()}


def _create_accounts(
    client: TradovateClient, catalogue: Catalogue, batch: Batch
) -> list[ItemResult]:
    accounts = []
    for item in batch.items:
        assert item.desired is not None
        attributes = item.desired.attributes
        accounts.append(
            EvaluationAccount(
                user_id=_user_id(item),
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
        _result(
            item,
            o.error_text or errors.get(item.change.address),
            o.account_id,
            trading_permission_id=o.trading_permission_id,
        )
        for item, o in zip(batch.items, outcomes, strict=True)
    ]


def _update_accounts(
    client: TradovateClient, catalogue: Catalogue, batch: Batch
) -> list[ItemResult]:
    items = []
    for item in batch.items:
        assert item.desired is not None
        if "post_trade_risk" in item.change.changed:
            risk = _risk(item.desired.attributes["post_trade_risk"])
            items.append({to_camel("account_id"): _own_id(item), **risk})
    if items:
        client.update_auto_liqs(items)
    owned = [(item, _own_id(item)) for item in batch.items]
    errors = apply_lifecycle(client, catalogue.risk_category_id, owned)
    return [_result(item, errors.get(item.change.address), _own_id(item)) for item in batch.items]


def _reset_accounts(
    client: TradovateClient, catalogue: Catalogue, batch: Batch
) -> list[ItemResult]:
    """The batch's other changes first, then one reset call for every account of the batch
    (across traders) whose other changes landed."""
    results = _update_accounts(client, catalogue, batch)
    ids = [
        _own_id(item)
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


def _cancel_accounts(client: TradovateClient, _: Catalogue, batch: Batch) -> list[ItemResult]:
    ids = _permission_ids(batch)
    if ids:
        client.revoke_trading_permissions(ids)
    return [_result(item, None) for item in batch.items]


def _replace_accounts(
    client: TradovateClient, catalogue: Catalogue, batch: Batch
) -> list[ItemResult]:
    _cancel_accounts(client, catalogue, batch)
    return _create_accounts(client, catalogue, batch)


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
    for item in batch.items:
        assert item.desired is not None
        user_id = _user_id(item)
        outcome = client.add_entitlement(
            entitlement_id=int(item.desired.attributes["entitlement_id"]), user_id=user_id
        )
        if is_probe and outcome.error_text == UNSIGNED:
            results.append(ItemResult(item.change.address, ok=True, waiting=True))
            continue
        if outcome.error_text or outcome.plugin is None:
            results.append(_result(item, outcome.error_text or "no subscription returned"))
            continue
        for signal in catalogue.signals():
            if signal.related_to_user_id == user_id and not signal.completed:
                catalogue.completed(client.complete_alert_signal(signal.id) or signal)
        results.append(
            _result(item, None, outcome.plugin.id, plugin_name=outcome.plugin.plugin_name)
        )
    return results


def _cancel_entitlements(client: TradovateClient, _: Catalogue, batch: Batch) -> list[ItemResult]:
    results = []
    for item in batch.items:
        assert item.recorded is not None
        error = client.change_plugin_permission(
            user_id=_user_id(item),
            plugin_name=str(item.recorded.facts.get("plugin_name", "")),
            approval=False,
        )
        results.append(_result(item, error))
    return results


_OPERATIONS: dict[tuple[str, Action], Operation] = {
    (USER, Action.CREATE): _create_users,
    (USER, Action.UPDATE): _update_users,
    (USER, Action.CANCEL): _cancel_users,
    (CONTACT, Action.CREATE): _put_contacts,
    (CONTACT, Action.UPDATE): _put_contacts,
    (CONTACT, Action.CANCEL): _forget,
    (ACCOUNT, Action.CREATE): _create_accounts,
    (ACCOUNT, Action.UPDATE): _update_accounts,
    (ACCOUNT, Action.RESET): _reset_accounts,
    (ACCOUNT, Action.REPLACE): _replace_accounts,
    (ACCOUNT, Action.CANCEL): _cancel_accounts,
    (ENTITLEMENT, Action.ENTITLE): _entitle,
    (ENTITLEMENT, Action.WAIT): _probe,
    (ENTITLEMENT, Action.CANCEL): _cancel_entitlements,
}

__all__: Sequence[str] = ("Catalogue", "execute")
