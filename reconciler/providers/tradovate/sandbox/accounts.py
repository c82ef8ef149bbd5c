"""Sandbox rules of evaluation accounts (DEMO): creation, post-trade risk, revocation, and the
cancel-everything offboarding call (both domains)."""

from __future__ import annotations

import re

from reconciler.providers.sandbox.reply import Reply
from reconciler.providers.tradovate.limits import ACCOUNTS_PER_CREATE
from reconciler.providers.tradovate.sandbox.protocol import (
    BOTH,
    DEMO,
    LIVE,
    ONLY_DEMO,
    Call,
    Endpoint,
    error,
    int_or_none,
    object_list,
    ok,
)
from reconciler.providers.tradovate.sandbox.time import iso, trade_date
from reconciler.providers.tradovate.sandbox.world import AUTOLIQ_FIELDS, Entity, World

MAX_BATCH = ACCOUNTS_PER_CREATE.value
_ACCOUNT_NAME = re.compile(r"[A-Z]+[0-9]+")
NAME_RULE = r"Account name should follow the next regexp: ([A-Z])+\d+"
REVOKED = "Revoked"


def is_valid_account_name(name: object) -> bool:
    """Upper-case letters then digits, at most 64 characters."""
    return isinstance(name, str) and len(name) <= 64 and bool(_ACCOUNT_NAME.fullmatch(name))


def create_evaluation_accounts(call: Call) -> Reply:
    """Validate every name first (HTTP 400, nothing created), then create items independently."""
    items = object_list(call.body.get("accounts"))
    if items is None:
        return Reply(400, {"errorText": "accounts should be an array of objects"})
    violations = [
        {"constraint": "name", "value": str(item.get("name", "")), "description": NAME_RULE}
        for item in items
        if not is_valid_account_name(item.get("name"))
    ]
    if violations:
        return Reply(400, {"violations": violations})
    if not items:
        return error("Empty accounts", results=[])
    if len(items) > MAX_BATCH:
        return error(f"Only {MAX_BATCH} accounts are allowed in single operation", results=[])
    results = [_create_account(call, item) for item in items]
    return ok({"results": results, "errorText": ""})


def _create_account(call: Call, item: Entity) -> Entity:
    world, now = call.world, call.now
    user_id = int_or_none(item.get("userId"))
    template_id = int_or_none(item.get("templateAccountId"))
    balance = item.get("initialBalance")
    if user_id is None or not call.owns(user_id):
        return {"errorText": "User not found"}
    user = world.users[user_id]
    if template_id not in world.template_ids or not _owns_account(call, template_id):
        return {"errorText": "Template account not found"}
    if item["name"].upper() in world.open_account_by_name:
        return {"errorText": "Account name already exists"}
    if isinstance(balance, bool) or not isinstance(balance, int | float) or balance <= 0:
        return {"errorText": "Initial balance should be greater than 0"}
    template = world.accounts[template_id]
    account_id = world.new_id()
    world.add_account(
        {
            "id": account_id,
            "name": item["name"],
            "userId": template["userId"],
            "accountType": "Customer",
            "restricted": False,
            "closed": False,
            "clearingHouseId": 1,
            "riskCategoryId": template["riskCategoryId"],
            "autoLiqProfileId": template["autoLiqProfileId"],
            "marginAccountType": "Speculator",
            "legalStatus": "Individual",
            "timestamp": iso(now),
            "evaluationSize": balance,
            "readonly": False,
        }
    )
    permission_id = world.new_id()
    world.add_permission(
        {
            "id": permission_id,
            "userId": user["id"],
            "accountId": account_id,
            "accountHolderContact": world.display_name(user["id"]),
            "accountHolderEmail": user["email"],
            "ctaContact": "",
            "ctaEmail": "",
            "status": "Accepted",
            "updated": iso(now),
        }
    )
    post = item.get("postTradeRisk")
    if not isinstance(post, dict):
        post = {}
    world.autoliqs[account_id] = {"id": account_id, **{f: post.get(f) for f in AUTOLIQ_FIELDS}}
    if item.get("preTradeRisk") is not None:
        world.pre_trade_risk[account_id] = item["preTradeRisk"]
    return {"accountId": account_id, "tradingPermissionId": permission_id}


def update_user_autoliqs(call: Call) -> Reply:
    """Replace the post-trade fields of every item's account (omitted fields become null)."""
    items = object_list(call.body.get("items"))
    if items is None:
        return Reply(400, {"errorText": "items should be an array of objects"})
    world = call.world
    account_ids = [int_or_none(item.get("accountId")) for item in items]
    for account_id in account_ids:
        if account_id is None or not _owns_account(call, account_id):
            return error("Account not found")
        if world.autoliqs.get(account_id, {}).get("changesLocked"):
            return error("Changes are locked for this account")
    replies = []
    for account_id, item in zip(account_ids, items, strict=True):
        assert account_id is not None
        autoliq = {"id": account_id, **{f: item.get(f) for f in AUTOLIQ_FIELDS}}
        world.autoliqs[account_id] = autoliq
        replies.append({"userAccountAutoLiq": autoliq})
    world.touch()
    return ok({"userAutoLiqs": replies})


def _owns_account(call: Call, account_id: int) -> bool:
    account = call.world.accounts.get(account_id)
    return account is not None and call.owns(account["userId"])


def revoke(world: World, permission_id: int, now: float) -> bool:
    """Revoke one permission (False if it already was); close its account once none is left."""
    permission = world.permissions[permission_id]
    if permission["status"] == REVOKED:
        return False
    permission["status"] = REVOKED
    permission["updated"] = iso(now)
    world.touch()
    if not world.has_active_permission(permission["accountId"]):
        world.set_account_closed(permission["accountId"], closed=True)
    return True


def revoke_trading_permissions(call: Call) -> Reply:
    """Revoke every listed permission, or none when one id is unknown."""
    raw = call.body.get("tradingPermissionIds")
    if not isinstance(raw, list):
        return Reply(400, {"errorText": "tradingPermissionIds should be an array"})
    ids = [int_or_none(value) for value in raw]
    permissions = call.world.permissions
    mine = {i for i in ids if i in permissions and call.owns(permissions[i]["userId"])}
    if any(i not in mine for i in ids):
        return ok({"ok": False, "errorText": "Trading permission not found"})
    for permission_id in ids:
        assert permission_id is not None
        revoke(call.world, permission_id, call.now)
    return ok({"ok": True})


def cancel_everything(call: Call) -> Reply:
    """LIVE cancels subscriptions, plugins and market data; DEMO revokes trading permissions."""
    world, body, now = call.world, call.body, call.now
    raw = body.get("userIds")
    raw_ids = raw if isinstance(raw, list) else []
    user_ids = [i for i in (int_or_none(v) for v in raw_ids) if i is not None]
    wanted = {
        key: body.get(key) is True
        for key in (
            "tradovateSubscriptions",
            "userPlugins",
            "marketDataSubscriptions",
            "tradingPermissions",
        )
    }
    done: dict[str, list[int]] = {
        "tradovateSubscriptionIds": [],
        "userPluginIds": [],
        "marketDataSubscriptionIds": [],
        "tradingPermissionIds": [],
    }
    for user_id in dict.fromkeys(user_ids):
        if not call.owns(user_id):
            continue
        if call.domain == LIVE and wanted["tradovateSubscriptions"]:
            for sub_id in world.subscriptions_by_user.get(user_id, []):
                sub = world.subscriptions[sub_id]
                if not sub.get("cancelledRenewal"):
                    sub.update(cancelledRenewal=True, cancelReason="Cancelled by organization")
                    done["tradovateSubscriptionIds"].append(sub_id)
        if call.domain == LIVE and wanted["userPlugins"]:
            for plugin_id in world.plugins_by_user.get(user_id, []):
                plugin = world.plugins[plugin_id]
                if plugin.get("expirationDate") is None:
                    plugin.update(expirationDate=trade_date(now), approval=False, autorenewal=False)
                    done["userPluginIds"].append(plugin_id)
        if call.domain == LIVE and wanted["marketDataSubscriptions"]:
            for md_id in world.market_data_by_user.get(user_id, []):
                if not world.market_data[md_id].get("expired"):
                    world.market_data[md_id]["expired"] = True
                    done["marketDataSubscriptionIds"].append(md_id)
        if call.domain == DEMO and wanted["tradingPermissions"]:
            for permission_id in list(world.permissions_by_user.get(user_id, [])):
                if revoke(world, permission_id, now):
                    done["tradingPermissionIds"].append(permission_id)
    if any(done.values()):
        world.touch()
    return ok(done)


ENDPOINTS = (
    Endpoint(
        "POST",
        "user/createevaluationaccounts",
        create_evaluation_accounts,
        ONLY_DEMO,
        admin_only=True,
    ),
    Endpoint(
        "POST",
        "useraccountautoliq/updateuserautoliqs",
        update_user_autoliqs,
        ONLY_DEMO,
        admin_only=True,
    ),
    Endpoint(
        "POST",
        "user/revoketradingpermissions",
        revoke_trading_permissions,
        ONLY_DEMO,
        admin_only=True,
    ),
    Endpoint("POST", "user/canceleverything", cancel_everything, BOTH, admin_only=True),
)
