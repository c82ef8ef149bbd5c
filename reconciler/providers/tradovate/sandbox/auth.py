"""Sandbox rules of `/auth`: access-token request, renewal and `me`."""

from __future__ import annotations

from reconciler.providers.sandbox.credentials import matches_secret
from reconciler.providers.sandbox.reply import Reply
from reconciler.providers.tradovate.sandbox.limits import LoginSession
from reconciler.providers.tradovate.sandbox.protocol import (
    ACCESS_DENIED,
    Call,
    Endpoint,
    error,
    ok,
)
from reconciler.providers.tradovate.sandbox.time import iso
from reconciler.providers.tradovate.sandbox.world import Entity

MARKET_DATA_PLAN_NAME = "CMEGROUP_TOP"
"""The name `/auth/me` gives the one market data plan the sandbox grants (with Sim+)."""
PASSWORD_LIFETIME = 365 * 86400.0
"""`passwordExpirationTime` lies this far after the token's expiry (`assumed`: the platform's
password policy is not documented)."""
BAD_CREDENTIALS = (
    "Incorrect username or password. Please try again, noting that passwords are case-sensitive."
)


def access_token_request(call: Call) -> Reply:
    """Open a session for `name`/`password` (and `sec` when the user has an API secret)."""
    user = call.world.user_named(call.body.get("name", ""))
    password = call.body.get("password")
    if user is None or not isinstance(password, str):
        return error(BAD_CREDENTIALS)
    private = call.world.private.get(user["id"], {})
    if not matches_secret(password, private.get("passwordHash", "")):
        return error(BAD_CREDENTIALS)
    if "secHash" in private:
        sec = call.body.get("sec")
        if not isinstance(sec, str) or not matches_secret(sec, private["secHash"]):
            return error(BAD_CREDENTIALS)
    return ok(_token_response(user, call.sessions.open(user["id"], call.now)))


def renew_access_token(call: Call) -> Reply:
    """A new token and expiry for the caller's session; the presented token stops working."""
    session = call.sessions.renew(call.token, call.now)
    if session is None:
        return Reply(401, {"errorText": ACCESS_DENIED})
    return ok(_token_response(call.world.users[session.user_id], session))


def me(call: Call) -> Reply:
    """Who the caller is: every field of the platform's `OAuthMeResponse`."""
    world = call.world
    user = world.users.get(call.caller if call.caller is not None else -1)
    if user is None:
        return Reply(401, {"errorText": ACCESS_DENIED})
    user_id = user["id"]
    plans = [
        world.plans.get(subscription["tradovateSubscriptionPlanId"], {}).get("name")
        for subscription in _owned(world.subscriptions, world.subscriptions_by_user, user_id)
        if not subscription.get("cancelledRenewal")
    ]
    answer: Entity = {
        "userId": user_id,
        "name": user["name"],
        "fullName": world.display_name(user_id),
        "email": user["email"],
        "emailVerified": user["status"] != "UnconfirmedEmail",
        "isTrial": False,
        "organizationName": world.organization["name"],
        "currentMDSubs": [
            MARKET_DATA_PLAN_NAME
            for subscription in _owned(world.market_data, world.market_data_by_user, user_id)
            if not subscription.get("expired")
        ],
        "currentBalance": 0,
        "activePlugins": [
            plugin["pluginName"]
            for plugin in _owned(world.plugins, world.plugins_by_user, user_id)
            if plugin.get("approval")
        ],
    }
    named = [plan for plan in plans if isinstance(plan, str)]
    if named:
        answer["currentAccountPlan"] = named[0]
    return ok(answer)


def _owned(
    entities: dict[int, Entity], by_user: dict[int, list[int]], user_id: int
) -> list[Entity]:
    return [entities[i] for i in by_user.get(user_id, []) if i in entities]


def _token_response(user: Entity, session: LoginSession) -> Entity:
    return {
        "accessToken": session.token,
        "expirationTime": iso(session.expires_at),
        "passwordExpirationTime": iso(session.expires_at + PASSWORD_LIFETIME),
        "userId": user["id"],
        "name": user["name"],
        "userStatus": user["status"],
        "hasLive": True,
        "hasSimPlus": False,
    }


ENDPOINTS = (
    Endpoint("POST", "auth/accesstokenrequest", access_token_request, needs_auth=False),
    Endpoint("GET", "auth/renewaccesstoken", renew_access_token),
    Endpoint("GET", "auth/me", me),
)
