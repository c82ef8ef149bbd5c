"""Evaluation-account lifecycle on Tradovate: risk-category switches, admin trading actions and
demo-account resets, made for the items of one account batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reconciler.errors import ProviderRejected, RateLimited
from reconciler.plan import Address, ReadRequest
from reconciler.providers.base import BatchItem
from reconciler.providers.tradovate.client import TradovateClient
from reconciler.providers.tradovate.models import Account, AccountRiskStatus

ADMIN_ACTIONS = {
    "normal": "Normal",
    "locked": "LockTradingImmediately",
    "liquidate_only": "LiquidateOnlyModeImmediately",
}
"""`trading:` values and the `adminAction` each sets (documented enum values)."""

TRADING_OF = {action: trading for trading, action in ADMIN_ACTIONS.items()}
"""What the refresh reports for an admin action it reads back."""

MAX_SWITCH_IDS = 10_000
"""Ids one `switchriskcategory` call accepts (documented: "Only 10000 accounts are allowed in
single operation")."""

MAX_RESET_IDS = 100
"""Ids one `resetdemoaccountstate` call carries: assumed (the platform documents no cap)."""

LIFECYCLE_KEYS = frozenset({"risk_category", "trading", "trading_reason"})
"""Account attributes made by calls after creation, not by `createevaluationaccounts`."""


def apply_lifecycle(
    client: TradovateClient,
    category_id: Callable[[str], int],
    items: Sequence[tuple[BatchItem, int]],
    *,
    created: bool = False,
) -> dict[Address, str]:
    """Switch risk categories (one call per category, at most MAX_SWITCH_IDS ids each) and set
    admin actions (no bulk form: one call per account) of `(item, account id)` whose change
    names them, or that declare them when just `created`; per-item errors by address."""
    by_category: dict[int, list[int]] = defaultdict(list)
    actions: list[tuple[BatchItem, int]] = []
    for item, account_id in items:
        assert item.desired is not None
        attributes = item.desired.attributes
        touched = set(attributes) & LIFECYCLE_KEYS if created else set(item.change.changed)
        if "risk_category" in touched and "risk_category" in attributes:
            by_category[category_id(attributes["risk_category"])].append(account_id)
        trading = attributes.get("trading")
        if touched & {"trading", "trading_reason"} and trading is not None:
            if created and trading == "normal":  # a new account trades normally already
                continue
            actions.append((item, account_id))
    for category, ids in sorted(by_category.items()):
        for start in range(0, len(ids), MAX_SWITCH_IDS):
            client.switch_risk_category(
                ids[start : start + MAX_SWITCH_IDS], risk_category_id=category
            )
    errors: dict[Address, str] = {}
    for item, account_id in actions:
        assert item.desired is not None
        attributes = item.desired.attributes
        error = client.set_admin_action(
            account_id=account_id,
            action=ADMIN_ACTIONS[attributes["trading"]],
            reason=attributes.get("trading_reason"),
        )
        if error:
            errors[item.change.address] = error
    return errors


class AccountLifecycle:
    """What the refresh reads back of accounts' lifecycle: category names and admin actions."""

    def __init__(
        self, categories: Mapping[str, int], statuses: Mapping[int, AccountRiskStatus]
    ) -> None:
        self._names = {category_id: name for name, category_id in categories.items()}
        self._statuses = statuses

    def read(self, account: Account) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if account.risk_category_id is not None:
            category = account.risk_category_id
            values["risk_category"] = self._names.get(category, f"#{category}")
        status = self._statuses.get(account.id)
        action = "Normal" if status is None or status.admin_action is None else status.admin_action
        values["trading"] = TRADING_OF.get(action, action)
        return values


def read_lifecycle(
    requests: Sequence[ReadRequest],
    *,
    resolve: Callable[[str], int],
    categories: Callable[[], Mapping[str, int]],
    statuses: Callable[[], Sequence[AccountRiskStatus]],
) -> AccountLifecycle | None:
    """The risk categories and statuses (two list calls), when an account declares or records
    lifecycle attributes; a declared category name is `resolve`d now, so an unknown one fails
    the plan, not the apply."""
    declared: set[str] = set()
    wanted = False
    for request in requests:
        for source in (request.desired, request.recorded):
            if source is not None and LIFECYCLE_KEYS & source.attributes.keys():
                wanted = True
        if request.desired is not None and "risk_category" in request.desired.attributes:
            declared.add(request.desired.attributes["risk_category"])
    if not wanted:
        return None
    for name in sorted(declared):
        resolve(name)
    return AccountLifecycle(categories(), {s.id: s for s in statuses()})


def reset_accounts(client: TradovateClient, ids: Sequence[int]) -> None:
    """Reset accounts in calls of at most MAX_RESET_IDS ids (traders batched together).

    A 429 is a refusal: the platform documents that it serves nothing while it answers one, so
    the reset did not happen and the next plan shows it again. Any other lost answer leaves the
    reset's intent pending (see `plan.diff`: it is recorded, never sent twice).
    """
    for start in range(0, len(ids), MAX_RESET_IDS):
        try:
            client.reset_accounts(ids[start : start + MAX_RESET_IDS])
        except RateLimited as exc:
            raise ProviderRejected(
                f"{exc} (nothing was reset)", provider=exc.provider, operation=exc.operation
            ) from exc


__all__ = [
    "ADMIN_ACTIONS",
    "LIFECYCLE_KEYS",
    "MAX_RESET_IDS",
    "MAX_SWITCH_IDS",
    "TRADING_OF",
    "AccountLifecycle",
    "apply_lifecycle",
    "read_lifecycle",
    "reset_accounts",
]
