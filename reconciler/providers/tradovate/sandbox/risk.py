"""Sandbox rules of an evaluation account's lifecycle (DEMO, org administrators): demo-account
resets, risk-category switches, admin auto-liq actions, and the risk category catalogue.

Documented: the request shapes, "Empty accountIds", "Only 10000 accounts are allowed in single
operation", "Account Id should be greater than 0", `adminActionReason` required with reason code
`Other` and at most 8192 characters, no bulk admin action, archived (closed) accounts accepted
silently by setadminautoliqaction, the switch limit of 5,000 an hour.
Assumed (the documents are silent): the catalogue at `/riskCategory/list` and its names
(RISK_CATEGORIES); `{ok}` answers of switch and admin action; "Account not found" for an id
outside the caller's organisation (nothing is changed); "Risk category not found"; at most
MAX_RESET_IDS ids a reset; a reset changes no entity the API shows (it is counted in
`resets`, readable through `/_sandbox` state dumps); AccountRiskStatus `{id (= account id),
adminAction, adminActionReason, adminTimestamp}` listed at `/accountRiskStatus/list`.
"""

from __future__ import annotations

from reconciler.providers.tradovate.sandbox.protocol import (
    ONLY_DEMO,
    Call,
    Endpoint,
    Reply,
    int_or_none,
    ok,
)
from reconciler.providers.tradovate.sandbox.time import iso
from reconciler.providers.tradovate.sandbox.world import Entity, World

RISK_CATEGORIES: tuple[Entity, ...] = (
    {"id": 11, "name": "EVAL25K"},
    {"id": 12, "name": "EVAL50K"},
    {"id": 13, "name": "EVAL100K"},
    {"id": 14, "name": "FUNDED"},
    {"id": 15, "name": "REVIEW"},
)
"""The catalogue (assumed names; ids 11-13 are the seeded templates' categories)."""

MAX_SWITCH_IDS = 10_000
MAX_RESET_IDS = 100  # assumed: no cap is documented
MAX_REASON = 8192
ADMIN_ACTIONS = frozenset(
    {
        "Normal",
        "LockTradingImmediately",
        "LiquidateImmediately",
        "LiquidateOnlyModeImmediately",
    }
)


def _ok(value: bool, text: str | None = None) -> Reply:
    return ok({"ok": value} if text is None else {"ok": value, "errorText": text})


def _account_ids(call: Call, limit: int) -> tuple[list[int], Reply | None]:
    """The body's accountIds, all of the caller's organisation, or the answer refusing them."""
    raw = call.body.get("accountIds")
    if not isinstance(raw, list):
        return [], Reply(400, {"errorText": "accountIds should be an array"})
    if not raw:
        return [], _ok(False, "Empty accountIds")
    if len(raw) > limit:
        return [], _ok(False, f"Only {limit} accounts are allowed in single operation")
    ids = [int_or_none(value) for value in raw]
    if any(i is None or i <= 0 for i in ids):
        return [], _ok(False, "Account Id should be greater than 0")
    accounts = call.world.accounts
    owned = [i for i in ids if i is not None and i in accounts and _mine(call, i)]
    if len(owned) != len(ids):
        return [], _ok(False, "Account not found")
    return owned, None


def _mine(call: Call, account_id: int) -> bool:
    world = call.world
    if any(
        call.owns(world.permissions[p]["userId"])
        for p in world.permissions_by_account.get(account_id, [])
    ):
        return True
    return call.owns(world.accounts[account_id]["userId"])


def reset_demo_account_state(call: Call) -> Reply:
    """Reset accounts to their starting state as of `resetTradeDate` (counted per account)."""
    ids, refused = _account_ids(call, MAX_RESET_IDS)
    if refused is not None:
        return refused
    date = call.body.get("resetTradeDate")
    if not isinstance(date, dict) or not all(
        isinstance(date.get(k), int) for k in ("year", "month", "day")
    ):
        return Reply(400, {"errorText": "resetTradeDate should be a TradeDate"})
    for account_id in ids:
        status = _status(call, account_id)
        status["resets"] = int(status.get("resets", 0)) + 1
        status["lastResetTradeDate"] = dict(date)
    call.world.touch()
    return _ok(True)


def switch_risk_category(call: Call) -> Reply:
    """Move accounts to another risk category (all or none)."""
    ids, refused = _account_ids(call, MAX_SWITCH_IDS)
    if refused is not None:
        return refused
    category = int_or_none(call.body.get("riskCategoryId"))
    if category not in {c["id"] for c in RISK_CATEGORIES}:
        return _ok(False, "Risk category not found")
    for account_id in ids:
        call.world.accounts[account_id]["riskCategoryId"] = category
    call.world.touch()
    return _ok(True)


def set_admin_auto_liq_action(call: Call) -> Reply:
    """Set one account's admin action; it stays until set back to Normal."""
    account_id = int_or_none(call.body.get("accountId"))
    if account_id is None or account_id <= 0:
        return _ok(False, "Account Id should be greater than 0")
    action = call.body.get("adminAction")
    if action not in ADMIN_ACTIONS:
        return Reply(
            400, {"errorText": "adminAction should be one of " + ", ".join(sorted(ADMIN_ACTIONS))}
        )
    code = call.body.get("adminActionReasonCode")
    reason = call.body.get("adminActionReason")
    if code == "Other" and not (isinstance(reason, str) and reason):
        return _ok(False, "adminActionReason should be specified")
    if isinstance(reason, str) and len(reason) > MAX_REASON:
        return _ok(False, f"adminActionReason should be no longer than {MAX_REASON}")
    if account_id not in call.world.accounts or not _mine(call, account_id):
        return _ok(False, "Account not found")
    status = _status(call, account_id)
    status.update(adminAction=action, adminActionReason=reason, adminTimestamp=iso(call.now))
    call.world.touch()
    return _ok(True)


def _status(call: Call, account_id: int) -> Entity:
    statuses = call.world.risk_statuses
    found = statuses.get(account_id)
    if found is None:
        found = statuses[account_id] = {"id": account_id, "adminAction": "Normal"}
    return found


def list_risk_statuses(call: Call) -> Reply:
    """Statuses of the caller's organisation's accounts (the API's fields only)."""
    shown = []
    for account_id, status in sorted(call.world.risk_statuses.items()):
        if account_id in call.world.accounts and _mine(call, account_id):
            shown.append(
                {k: v for k, v in status.items() if k not in ("resets", "lastResetTradeDate")}
            )
    return ok(shown)


ADMIN_FIELDS = ("riskCategoryId", "adminAction")
"""Fields `/_sandbox/accounts/<ref>/update` also sets, as the platform's staff or a risk
rule would (drift made outside reconciler)."""


def admin_update(world: World, account_id: int, fields: Entity) -> str | None:
    """Set an account's category or admin action directly; a refusal's text, or None."""
    raw = fields.get("riskCategoryId")
    category = int_or_none(raw)
    if raw is not None and category not in {c["id"] for c in RISK_CATEGORIES}:
        return "Risk category not found"
    action = fields.get("adminAction")
    if action is not None and action not in ADMIN_ACTIONS:
        return "unknown adminAction"
    if category is not None:
        world.accounts[account_id]["riskCategoryId"] = category
    if action is not None:
        status = world.risk_statuses.setdefault(
            account_id, {"id": account_id, "adminAction": "Normal"}
        )
        status["adminAction"] = action
    world.touch()
    return None


def list_risk_categories(_: Call) -> Reply:
    return ok([dict(c) for c in RISK_CATEGORIES])


ENDPOINTS = (
    Endpoint(
        "POST",
        "account/resetdemoaccountstate",
        reset_demo_account_state,
        ONLY_DEMO,
        admin_only=True,
    ),
    Endpoint(
        "POST",
        "accountriskstatus/switchriskcategory",
        switch_risk_category,
        ONLY_DEMO,
        admin_only=True,
    ),
    Endpoint(
        "POST",
        "accountriskstatus/setadminautoliqaction",
        set_admin_auto_liq_action,
        ONLY_DEMO,
        admin_only=True,
    ),
    Endpoint("GET", "accountriskstatus/list", list_risk_statuses, ONLY_DEMO),
    Endpoint("GET", "riskcategory/list", list_risk_categories, ONLY_DEMO),
)
