"""Sandbox rules of `/auth`: access-token request, renewal and `me`."""

from __future__ import annotations

from reconciler.providers.sandbox.credentials import matches_secret
from reconciler.providers.tradovate.sandbox.limits import Session
from reconciler.providers.tradovate.sandbox.protocol import (
    ACCESS_DENIED,
    Call,
    Endpoint,
    Reply,
    error,
    ok,
)
from reconciler.providers.tradovate.sandbox.time import iso
from reconciler.providers.tradovate.sandbox.world import Entity

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
    """Who the caller is."""
    user = call.world.users.get(call.caller if call.caller is not None else -1)
    if user is None:
        return Reply(401, {"errorText": ACCESS_DENIED})
    return ok(
        {
            "userId": user["id"],
            "name": user["name"],
            "fullName": call.world.display_name(user["id"]),
            "email": user["email"],
            "organizationName": call.world.organization["name"],
        }
    )


def _token_response(user: Entity, session: Session) -> Entity:
    return {
        "accessToken": session.token,
        "expirationTime": iso(session.expires_at),
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
