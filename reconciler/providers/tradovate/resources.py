"""Which Tradovate resources the manifests declare: users, contacts, accounts, entitlements."""

from __future__ import annotations

from typing import Any

from reconciler.manifest.models import Desired, Trader
from reconciler.plan.action import Action
from reconciler.plan.address import Address
from reconciler.plan.resource import DesiredResource, GeneratedSecret
from reconciler.providers.tradovate.config import (
    AccountTemplate,
    TradovateAccount,
    TradovateSettings,
    TradovateTrader,
)

USER = "tradovate_user"
CONTACT = "tradovate_contact"
ACCOUNT = "tradovate_account"
ENTITLEMENT = "tradovate_entitlement"


def expand(desired: Desired) -> list[DesiredResource]:
    """Desired Tradovate resources of every active trader with a `tradovate:` block."""
    settings = desired.firm.providers.get("tradovate")
    if not isinstance(settings, TradovateSettings):
        return []
    resources: list[DesiredResource] = []
    for trader in desired.traders:
        block = trader.platforms.get("tradovate")
        if trader.status != "active" or not isinstance(block, TradovateTrader):
            continue
        resources.extend(_trader_resources(trader, block, settings))
    return resources


def _trader_resources(
    trader: Trader, block: TradovateTrader, settings: TradovateSettings
) -> list[DesiredResource]:
    user = Address(USER, trader.name)
    key = trader.username.lower()
    password: Any = trader.password
    if password is not None and not hasattr(password, "get_secret_value"):
        password = GeneratedSecret(length=password.length)
    resources = [
        DesiredResource(
            address=user,
            attributes={"username": trader.username, "email": trader.email, "password": password},
            natural_key=key,
            inputs={
                "first_name": trader.first_name,
                "last_name": trader.last_name,
                "subscription_plan": settings.subscription_plan,
            },
            sensitive=frozenset({"password"}),
            replace_on=frozenset({"username"}),
            protected=trader.lifecycle.protect,
        )
    ]
    gate = [user]
    if trader.contact is not None:
        contact = Address(CONTACT, trader.name)
        gate.append(contact)
        resources.append(
            DesiredResource(
                address=contact,
                attributes={
                    "first_name": trader.first_name,
                    "last_name": trader.last_name,
                    **trader.contact.model_dump(),
                },
                natural_key=key,
                depends_on=(user,),
            )
        )
    for account in block.accounts:
        template = settings.account_templates[account.template]
        resources.append(_account(trader, account, template, user, key))
    for name in block.entitlements:
        resources.append(
            DesiredResource(
                address=Address(ENTITLEMENT, trader.name, name),
                attributes={"entitlement": name, "entitlement_id": settings.entitlements[name]},
                natural_key=f"{key}/{settings.entitlements[name]}",
                depends_on=tuple(gate),
                create_action=Action.ENTITLE,
            )
        )
    return resources


def _account(
    trader: Trader, account: TradovateAccount, template: AccountTemplate, user: Address, key: str
) -> DesiredResource:
    """An evaluation account; its natural key is `<username>/<account name>`."""
    return DesiredResource(
        address=Address(ACCOUNT, trader.name, account.name),
        attributes={
            "name": account.name,
            "template": account.template,
            "initial_balance": template.initial_balance,
            "pre_trade_risk": [r.model_dump(exclude_none=True) for r in template.pre_trade_risk],
            "post_trade_risk": template.post_trade_risk.model_dump(exclude_none=True),
        },
        natural_key=f"{key}/{account.name}",
        inputs={
            "template_account_id": template.template_account_id,
            "template_account": template.template_account,
        },
        depends_on=(user,),
        replace_on=frozenset({"template", "initial_balance", "pre_trade_risk"}),
        protected=account.lifecycle.protect,
    )
