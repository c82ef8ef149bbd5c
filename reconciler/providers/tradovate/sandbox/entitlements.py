"""Sandbox rules of entitlements and the Market Data Agreement (LIVE): user plugins, MDA signals
(created when a user signs; listed for the current ISO week) and their completion."""

from __future__ import annotations

from datetime import UTC, datetime

from reconciler.providers.sandbox.reply import Reply
from reconciler.providers.tradovate.sandbox.protocol import (
    ONLY_LIVE,
    Call,
    Endpoint,
    error,
    int_or_none,
    ok,
    text_field,
)
from reconciler.providers.tradovate.sandbox.time import epoch_of, iso
from reconciler.providers.tradovate.sandbox.users import SIM_PLUS, new_plugin, new_subscription
from reconciler.providers.tradovate.sandbox.world import Entity, World

UNKNOWN = "UnknownError"
NOT_DATA_ACCOUNT = "IncorrectPaymentMethod"
"""errorCode for an `accountId` that is not the firm's LIVE `_DATA` account (assumed: the
closest of the documented codes; the account is what the entitlement is billed to)."""


def add_entitlement_subscription(call: Call) -> Reply:
    """Subscribe a user to an entitlement; Sim+ ones need the MDA signed first. An `accountId`
    must be the firm's LIVE `_DATA` account; the subscription records it."""
    world = call.world
    entitlement = world.entitlements.get(int_or_none(call.body.get("entitlementId")) or -1)
    raw_user = call.body.get("userId")
    user_id = call.caller if raw_user is None else int_or_none(raw_user)
    if entitlement is None:
        return error("Entitlement not found", errorCode=UNKNOWN)
    if user_id is None or not call.owns(user_id):
        return error("User not found", errorCode=UNKNOWN)
    if entitlement.get("discontinuedDate"):
        return error("Entitlement is discontinued", errorCode="PlanDiscontinued")
    for plugin_id in world.plugins_by_user.get(user_id, []):
        plugin = world.plugins[plugin_id]
        if plugin["entitlementId"] == entitlement["id"] and plugin["approval"]:
            return error("Entitlement already active", errorCode="ConflictWithExisting")
    account_id = int_or_none(call.body.get("accountId"))
    if call.body.get("accountId") is not None and not _is_data_account(call, account_id):
        return error(
            f"Account {call.body['accountId']} is not a live data account of your organization",
            errorCode=NOT_DATA_ACCOUNT,
        )
    is_sim_plus = entitlement.get("legalEntityType") == SIM_PLUS
    if is_sim_plus and not world.private.get(user_id, {}).get("mdaSigned"):
        return error("Live account is required", errorCode=UNKNOWN)
    plugin = new_plugin(world, user_id, entitlement, account_id, call.now)
    world.add_owned("plugins", plugin)
    if is_sim_plus:
        world.add_owned("market_data", _top_of_book(world, user_id, call.now))
    return ok({"errorCode": "Success", "entitlementSubscription": plugin})


def _is_data_account(call: Call, account_id: int | None) -> bool:
    """An open LIVE account of the caller's firm named `..._DATA` (assumed: the checklist asks
    for "the ID of your Live _DATA account" and says no more of what the platform checks)."""
    account = call.world.live_accounts.get(account_id or -1)
    return (
        account is not None
        and not account.get("closed")
        and str(account["name"]).upper().endswith("_DATA")
        and call.owns(account["userId"])
    )


def add_tradovate_subscription(call: Call) -> Reply:
    """Give a user a subscription plan; refused while the user holds one of it still renewing."""
    world = call.world
    plan = world.plans.get(int_or_none(call.body.get("tradovateSubscriptionPlanId")) or -1)
    raw_user = call.body.get("userId")
    user_id = call.caller if raw_user is None else int_or_none(raw_user)
    if plan is None:
        return error("Subscription plan not found", errorCode=UNKNOWN)
    if user_id is None or not call.owns(user_id):
        return error("User not found", errorCode=UNKNOWN)
    for sub_id in world.subscriptions_by_user.get(user_id, []):
        held = world.subscriptions[sub_id]
        if held["tradovateSubscriptionPlanId"] == plan["id"] and not held["cancelledRenewal"]:
            return error("Subscription already active", errorCode="ConflictWithExisting")
    subscription = new_subscription(world, user_id, plan, call.now)
    world.add_owned("subscriptions", subscription)
    return ok({"errorCode": "Success", "tradovateSubscription": subscription})


def _top_of_book(world: World, user_id: int, now: float) -> Entity:
    """The CMEGROUP_TOP market data a Sim+ entitlement brings along."""
    moment = datetime.fromtimestamp(now, UTC)
    return {
        "id": world.new_id(),
        "userId": user_id,
        "timestamp": iso(now),
        "planPrice": 0,
        "marketDataSubscriptionPlanId": world.market_data_plan_id,
        "year": moment.year,
        "month": moment.month,
        "expired": False,
    }


def change_plugin_permission(call: Call) -> Reply:
    """Set the approval of a user's plugin found by name."""
    world = call.world
    raw_user = call.body.get("userId")
    user_id = call.caller if raw_user is None else int_or_none(raw_user)
    name = text_field(call.body, "pluginName")
    approval = call.body.get("approval")
    if not isinstance(approval, bool):
        return ok({"ok": False, "errorText": "approval should be true or false"})
    if not call.owns(user_id):
        return ok({"ok": False, "errorText": "Plugin not found"})
    for plugin_id in reversed(world.plugins_by_user.get(user_id or -1, [])):
        plugin = world.plugins[plugin_id]
        if plugin["pluginName"].lower() == name.lower():
            plugin["approval"] = approval
            world.touch()
            return ok({"ok": True})
    return ok({"ok": False, "errorText": "Plugin not found"})


def sign_mda(world: World, user_id: int, *, alert_id: int, now: float) -> Entity:
    """Record that a user signed the non-professional MDA, raising the admin alert signal."""
    user = world.users[user_id]
    world.private.setdefault(user_id, {})["mdaSigned"] = True
    moment = datetime.fromtimestamp(now, UTC)
    text = (
        f"User {user['name']} signed non-professional market data form, <br />"
        f"User name: {world.display_name(user_id)} <br />"
        f"Date: {moment:%m/%d/%Y} <br />"
        f"Timestamp: {moment:%Y-%m-%d %H:%M:%S} UTC <br />"
    )
    signal = {
        "id": world.new_id(),
        "timestamp": iso(now),
        "adminAlertId": alert_id,
        "relatedToUserId": user_id,
        "text": text,
        "emailSent": False,
        "archived": False,
        "subjectId": world.contact_by_user.get(user_id, user_id),
        "completed": None,
    }
    world.add_signal(signal)
    return signal


def current_signals(world: World, alert_id: int, now: float) -> list[Entity]:
    """Signals of `alert_id` that are not archived and fall in the ISO week of `now`."""
    week = datetime.fromtimestamp(now, UTC).isocalendar()[:2]
    found = []
    for signal_id in world.signals_by_alert.get(alert_id, []):
        signal = world.signals[signal_id]
        stamp = datetime.fromtimestamp(epoch_of(signal["timestamp"]), UTC)
        if not signal["archived"] and stamp.isocalendar()[:2] == week:
            found.append(signal)
    return found


def signal_deps(call: Call) -> Reply:
    """`adminAlertSignal/deps?masterid=`: the current week's signals of an admin alert."""
    alert_id = int_or_none(call.query.get("masterid"))
    found = [] if alert_id is None else current_signals(call.world, alert_id, call.now)
    return ok([signal for signal in found if call.owns(signal["relatedToUserId"])])


def complete_alert_signal(call: Call) -> Reply:
    """Complete by `adminAlertSignalId`, or by `alertId` (the signal id) plus `userId`."""
    body, world = call.body, call.world
    signal_id = int_or_none(body.get("adminAlertSignalId", body.get("alertId")))
    signal = world.signals.get(signal_id or -1)
    user_id = int_or_none(body.get("userId"))
    if (
        signal is None
        or not call.owns(signal["relatedToUserId"])
        or ("adminAlertSignalId" not in body and user_id not in (None, signal["relatedToUserId"]))
    ):
        return error("Alert signal not found")
    if signal["completed"] is None:
        signal["completed"] = iso(call.now)
        world.touch()
    return ok({"adminAlertSignal": signal})


ENDPOINTS = (
    Endpoint(
        "POST",
        "userplugin/addentitlementsubscription",
        add_entitlement_subscription,
        ONLY_LIVE,
        admin_only=True,
    ),
    Endpoint(
        "POST",
        "user/addtradovatesubscription",
        add_tradovate_subscription,
        ONLY_LIVE,
        admin_only=True,
    ),
    Endpoint(
        "POST",
        "userplugin/changepluginpermission",
        change_plugin_permission,
        ONLY_LIVE,
        admin_only=True,
    ),
    Endpoint("GET", "adminalertsignal/deps", signal_deps, ONLY_LIVE),
    Endpoint(
        "POST",
        "adminalertsignal/completealertsignal",
        complete_alert_signal,
        ONLY_LIVE,
        admin_only=True,
    ),
)
