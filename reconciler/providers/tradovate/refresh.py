"""The Tradovate refresh: each kind's list answers (users, contacts, accounts with their risk
settings and lifecycle, entitlements) as the Remotes the plan compares."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import fields
from operator import attrgetter
from typing import Any

from reconciler.errors import PlanConflict
from reconciler.plan import Address, ReadRequest, Remote, held_alike, shown_as_recorded
from reconciler.providers.conflicts import refuse_held_email
from reconciler.providers.keys import lower
from reconciler.providers.tradovate.catalogue import Catalogue
from reconciler.providers.tradovate.client import TradovateClient
from reconciler.providers.tradovate.config import PostTradeRisk
from reconciler.providers.tradovate.lifecycle import AccountLifecycle, read_lifecycle
from reconciler.providers.tradovate.models import AutoLiq, TradovateSubscription, User, UserPlugin
from reconciler.providers.tradovate.reads import pre_trade_risk
from reconciler.providers.tradovate.signatures import NOT_CREATED, gate_entitlements

_CONTACT_FIELDS = (
    "first_name", "last_name", "phone", "street_address1", "street_address2", "city", "state",
    "post_code", "country",
)  # fmt: skip
_RISK_FIELDS = tuple(f.name for f in fields(AutoLiq) if f.name in PostTradeRisk.model_fields)
"""The post-trade risk fields of an AutoLiq answer, in its order."""
_risk_values = attrgetter(*_RISK_FIELDS)


def read_users(
    requests: Sequence[ReadRequest],
    users: Mapping[str, User],
    *,
    plan: tuple[str, set[int]] | None = None,
) -> dict[Address, Remote]:
    """Users by username from the one user list; a plan-time error for a taken e-mail. With
    `plan` (the firm's plan name, the ids of users holding it still renewing), each user's
    `subscription_plan` is that name, or None when cancelled (cancel-everything) or never held."""
    by_email = {lower(u.email): u for u in users.values()}
    found = {}
    for request in requests:
        user = users.get(request.natural_key)
        refuse_held_email(
            request,
            own_id=user.id if user else None,
            holder_of=lambda email: (h.id, h.name) if (h := by_email.get(email)) else None,
            platform="Tradovate",
        )
        if user is not None:
            attributes: dict[str, object] = {"username": user.name, "email": user.email}
            if plan is not None:
                attributes["subscription_plan"] = plan[0] if user.id in plan[1] else None
            # the recorded attributes when alike: one mapping for both (no password is shown)
            shown = shown_as_recorded(attributes, request.recorded_attributes)
            found[request.address] = request.shown(request.same_id(str(user.id)), shown)
    return found


def subscribed(subscriptions: Iterable[TradovateSubscription], plan_id: int) -> set[int]:
    """Ids of the users holding the plan still renewing, among `subscriptions`."""
    return {
        s.user_id
        for s in subscriptions
        if s.tradovate_subscription_plan_id == plan_id and not s.cancelled_renewal
    }


def read_contacts(
    client: TradovateClient, requests: Sequence[ReadRequest], users: Mapping[str, User]
) -> dict[Address, Remote]:
    """Contact info of the users that exist, in one list call."""
    ids = {users[r.natural_key].id: r for r in requests if r.natural_key in users}
    if not ids:
        return {}
    found = {}
    for contacts in client.contact_chunks(sorted(ids)):  # each call's rows let go as read
        for contact in contacts:
            request = ids.get(contact.user_id)
            if request is not None:
                shown = {f: getattr(contact, f) for f in _CONTACT_FIELDS}
                remote_id = request.same_id(str(contact.user_id))
                found[request.address] = request.shown(remote_id, _as_declared(shown, request))
    return found


def _as_declared(shown: dict[str, Any], request: ReadRequest) -> Mapping[str, Any]:
    """The declared contact itself when the platform shows it alike (equal texts, or None, the
    same way): one mapping for both in an unchanged firm; else what the platform shows."""
    return held_alike(shown, request.desired.attributes if request.desired else None)


def read_accounts(
    client: TradovateClient,
    catalogue: Catalogue,
    requests: Sequence[ReadRequest],
    users: Mapping[str, User],
) -> dict[Address, Remote]:
    """Accounts with their post- and pre-trade risk and lifecycle; templates of accounts to
    create are checked, and an account traded by another trader is refused."""
    accounts = catalogue.accounts()
    live = {a.name: a for a in accounts if not a.closed}
    for request in requests:  # a create is coming: its template must exist
        if request.desired is not None and request.natural_key.partition("/")[2] not in live:
            catalogue.check_template(request.address, request.desired.inputs)
    lifecycle = _lifecycle(client, catalogue, requests)
    if not any(r.natural_key.partition("/")[2] in live for r in requests):
        return {}  # none exists yet: permissions and risk settings need not be read
    # each list is let go as read, only what the accounts need of it kept (the firm's size)
    permissions = {
        (p.account_id, p.user_id): p.id
        for p in client.list_trading_permissions()
        if p.status != "Revoked"
    }
    risk_settings: dict[tuple[Any, ...] | None, dict[str, Any]] = {}
    risks = {r.id: _post_trade_risk(r, risk_settings) for r in client.list_auto_liqs()}
    unset = _post_trade_risk(None, risk_settings)
    pre_trade = pre_trade_risk(client.list_position_limits(), client.list_risk_parameters())
    found = {}
    for request in requests:
        user_key, _, name = request.natural_key.partition("/")
        account = live.get(name)
        if account is None:
            continue
        user = users.get(user_key)
        permission = None if user is None else permissions.get((account.id, user.id))
        if permission is None:
            raise PlanConflict(
                f"{request.address}: account {account.name} exists on Tradovate but is not "
                "traded by this trader; rename the account in the manifests"
            )
        attributes = {
            "name": account.name,
            "post_trade_risk": risks.get(account.id, unset),
            "pre_trade_risk": pre_trade.get(account.id, []),
        }
        if lifecycle is not None:
            attributes.update(lifecycle.read(account))
        facts = held_alike(  # the recorded facts when alike: one mapping for both
            {"trading_permission_id": permission}, request.recorded_facts
        )
        found[request.address] = request.shown(
            request.same_id(str(account.id)),
            # what state recorded when the platform shows it all so (template, balance unshown)
            shown_as_recorded(attributes, request.recorded_attributes),
            facts,
        )
    return found


def _post_trade_risk(
    risk: AutoLiq | None, seen: dict[tuple[Any, ...] | None, dict[str, Any]]
) -> dict[str, Any]:
    """An account's post-trade risk in the manifests' shape: one object per distinct setting
    among `seen` (a firm's accounts share a few templates' settings; never changed in place).
    A setting is told by its fields' values in their order: each field has one type."""
    key = None if risk is None else _risk_values(risk)
    found = seen.get(key)
    if found is None:
        found = seen[key] = (
            {}
            if key is None
            else {k: v for k, v in zip(_RISK_FIELDS, key, strict=True) if v is not None}
        )
    return found


def _lifecycle(
    client: TradovateClient, catalogue: Catalogue, requests: Sequence[ReadRequest]
) -> AccountLifecycle | None:
    return read_lifecycle(
        requests,
        resolve=catalogue.risk_category_id,
        categories=catalogue.risk_categories,
        statuses=client.list_risk_statuses,
    )


def read_entitlements(
    catalogue: Catalogue,
    requests: Sequence[ReadRequest],
    user_requests: Sequence[ReadRequest],
    users: Mapping[str, User],
    week: str,
    plugins: Callable[[], Sequence[UserPlugin]],
) -> tuple[dict[Address, Remote], set[str], set[str]]:
    """Granted plugins or signature waits (see `signatures.gate_entitlements`); `plugins`
    reads the users' plugins (the firm's list, or those of `users` by id)."""
    if not any(r.natural_key.partition("/")[0] in users for r in requests):
        return (
            {r.address: Remote(r.address, None, blocked=NOT_CREATED) for r in requests},
            set(),
            set(),
        )
    granted = {(p.user_id, p.entitlement_id): p for p in plugins() if p.approval}
    return gate_entitlements(
        requests, user_requests, users, granted, signals=catalogue.signals, week=week
    )


__all__ = ["read_accounts", "read_contacts", "read_entitlements", "read_users", "subscribed"]
