"""Which Tradovate resources the manifests declare: users, contacts, accounts, entitlements."""

from __future__ import annotations

from functools import cache
from typing import Any

from reconciler.manifest import Desired, GeneratePassword, Trader
from reconciler.plan import Action, Address, DesiredResource, GeneratedSecret, shape_of
from reconciler.providers.keys import lower
from reconciler.providers.tradovate.config import (
    TradovateAccount,
    TradovateSettings,
    TradovateTrader,
)

USER = "tradovate_user"
CONTACT = "tradovate_contact"
ACCOUNT = "tradovate_account"
ENTITLEMENT = "tradovate_entitlement"


USER_SENSITIVE = frozenset({"password"})
USER_REPLACE_ON = frozenset({"username"})
ACCOUNT_REPLACE_ON = frozenset({"template", "initial_balance", "pre_trade_risk"})
ACCOUNT_RESET_ON = frozenset({"reset"})

_generated = cache(GeneratedSecret)
"""One GeneratedSecret per length (a frozen value): not one per trader."""

USER_SHAPES = {
    p: shape_of(sensitive=USER_SENSITIVE, replace_on=USER_REPLACE_ON, protected=p)
    for p in (False, True)
}
ACCOUNT_SHAPES = {
    p: shape_of(replace_on=ACCOUNT_REPLACE_ON, reset_on=ACCOUNT_RESET_ON, protected=p)
    for p in (False, True)
}
"""Users' and accounts' shapes by whether the object is protected, made once: not a mapping
of parts per object."""
ENTITLEMENT_SHAPE = shape_of(create_action=Action.ENTITLE)


class _Shared:
    """Values identical for every account of one template or every entitlement of one name,
    made once per expansion and shared by the resources (they are never mutated)."""

    def __init__(self, settings: TradovateSettings) -> None:
        self.settings = settings
        self.templates: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        self.entitlements: dict[str, dict[str, Any]] = {}

    def template(self, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The account attributes a template decides (risk, balance) and its inputs."""
        found = self.templates.get(name)
        if found is None:
            template = self.settings.account_templates[name]
            decided = {
                "initial_balance": template.initial_balance,
                "pre_trade_risk": [
                    r.model_dump(exclude_none=True) for r in template.pre_trade_risk
                ],
                "post_trade_risk": template.post_trade_risk.model_dump(exclude_none=True),
            }
            inputs = {
                "template_account_id": template.template_account_id,
                "template_account": template.template_account,
            }
            found = self.templates[name] = (decided, inputs)
        return found

    def entitlement(self, name: str) -> dict[str, Any]:
        found = self.entitlements.get(name)
        if found is None:
            entitlement_id = self.settings.entitlements[name]
            found = self.entitlements[name] = {
                "entitlement": name,
                "entitlement_id": entitlement_id,
            }
        return found


def expand(desired: Desired) -> list[DesiredResource]:
    """Desired Tradovate resources of every active trader with a `tradovate:` block."""
    settings = desired.firm.providers.get("tradovate")
    if not isinstance(settings, TradovateSettings):
        return []
    shared = _Shared(settings)
    resources: list[DesiredResource] = []
    for trader in desired.traders:
        block = trader.platforms.get("tradovate")
        if trader.status != "active" or not isinstance(block, TradovateTrader):
            continue
        resources.extend(_trader_resources(trader, block, shared))
    return resources


def _trader_resources(
    trader: Trader, block: TradovateTrader, shared: _Shared
) -> list[DesiredResource]:
    name = trader.name
    user = Address(USER, name)
    key = lower(trader.username)
    password: Any = trader.password
    if isinstance(password, GeneratePassword):  # not hasattr: a miss is slow on a model
        password = _generated(password.length)
    attributes = {"username": trader.username, "email": trader.email, "password": password}
    if shared.settings.subscription_plan is not None:  # cancel-everything takes it: restored
        attributes["subscription_plan"] = shared.settings.subscription_plan
    resources = [
        DesiredResource(
            address=user,
            attributes=attributes,
            natural_key=key,
            inputs={
                "first_name": trader.first_name,
                "last_name": trader.last_name,
                "subscription_plan": shared.settings.subscription_plan,
            },
            shape=USER_SHAPES[trader.lifecycle.protect],
        )
    ]
    depends_on = (user,)
    gate: tuple[Address, ...] = depends_on
    if trader.contact is not None:
        contact = Address(CONTACT, name)
        gate = (user, contact)
        resources.append(
            DesiredResource(
                address=contact,
                attributes={
                    "first_name": trader.first_name,
                    "last_name": trader.last_name,
                    **vars(trader.contact),  # its fields are plain text: as model_dump() gives
                },
                natural_key=key,
                depends_on=depends_on,
            )
        )
    for account in block.accounts:
        resources.append(_account(trader, account, shared, depends_on, key))
    for entitlement in block.entitlements:
        attributes = shared.entitlement(entitlement)
        resources.append(
            DesiredResource(
                address=Address(ENTITLEMENT, name, entitlement),
                attributes=attributes,
                natural_key=f"{key}/{attributes['entitlement_id']}",
                depends_on=gate,
                shape=ENTITLEMENT_SHAPE,
            )
        )
    return resources


def _account(
    trader: Trader,
    account: TradovateAccount,
    shared: _Shared,
    depends_on: tuple[Address, ...],
    key: str,
) -> DesiredResource:
    """An evaluation account; its natural key is `<username>/<account name>`."""
    decided, inputs = shared.template(account.template)
    attributes = {"name": account.name, "template": account.template, **decided}
    lifecycle = _lifecycle(account, shared)
    if lifecycle:
        attributes.update(lifecycle)
    return DesiredResource(
        address=Address(ACCOUNT, trader.name, account.name),
        attributes=attributes,
        natural_key=f"{key}/{account.name}",
        inputs=inputs,
        depends_on=depends_on,
        shape=ACCOUNT_SHAPES[account.lifecycle.protect],
    )


def _lifecycle(account: TradovateAccount, shared: _Shared) -> dict[str, Any]:
    """The lifecycle attributes an account declares: only those it (or its template) sets,
    so an account without them keeps whatever its template gave it on the platform."""
    values: dict[str, Any] = {}
    if account.reset is not None:
        values["reset"] = account.reset
    category = (
        account.risk_category or shared.settings.account_templates[account.template].risk_category
    )
    if category is not None:
        values["risk_category"] = category
    if account.trading is not None:
        values["trading"] = account.trading
        values["trading_reason"] = account.reason
    return values
