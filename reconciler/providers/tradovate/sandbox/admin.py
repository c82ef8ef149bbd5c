"""The sandbox's own `/_sandbox` endpoints: simulate out-of-band changes (MDA signatures, drift,
archiving, dropped WebSockets), move the clock, read the request log and dump the world.
No auth; loopback only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.providers.sandbox.reply import Reply
from reconciler.providers.tradovate.sandbox.entitlements import sign_mda
from reconciler.providers.tradovate.sandbox.protocol import (
    LIVE,
    int_or_none,
    ok,
)
from reconciler.providers.tradovate.sandbox.risk import ADMIN_FIELDS, admin_update
from reconciler.providers.tradovate.sandbox.sockets import signal_event
from reconciler.providers.tradovate.sandbox.time import iso
from reconciler.providers.tradovate.sandbox.users import CONTACT_FIELDS, create_user
from reconciler.providers.tradovate.sandbox.world import AUTOLIQ_FIELDS, Entity

if TYPE_CHECKING:
    from reconciler.providers.tradovate.sandbox.gateway import Sandbox

USER_STATUSES = frozenset({"Active", "Closed", "Initiated", "TemporaryLocked", "UnconfirmedEmail"})


def _problem(status: int, text: str) -> Reply:
    return Reply(status, {"errorText": text})


def admin_reply(sandbox: Sandbox, method: str, segments: list[str], body: Entity) -> Reply:
    """Answer `/_sandbox/<segments>` (segments lower-cased; names resolve case-insensitively)."""
    match method, segments:
        case "POST", ["users", "create"]:  # as if someone created it by hand on the platform
            organization = sandbox.config.seed.organization_id
            created = create_user(sandbox.world, body, sandbox.now(), organization)
            return _problem(400, created["errorText"]) if "errorText" in created else ok(created)
        case "POST", ["users", ref, action]:
            return _user_action(sandbox, ref, action, body)
        case "POST", ["contacts", ref, "update"]:
            return _update_contact(sandbox, ref, body)
        case "POST", ["accounts", ref, action]:
            return _account_action(sandbox, ref, action, body)
        case "POST", ["signals", "archive"]:
            archived = [s for s in sandbox.world.signals.values() if not s["archived"]]
            for signal in archived:
                signal["archived"] = True
            sandbox.world.touch()
            return ok({"archived": len(archived)})
        case "POST", ["clock", "advance"]:
            if not sandbox.advance_clock(body.get("seconds")):
                return _problem(400, "seconds should be a number >= 0")
            return ok({"now": iso(sandbox.now()), "offset": sandbox.offset})
        case "GET", ["websockets"]:
            return ok(sandbox.sockets.describe())
        case "POST", ["websockets", "drop"]:
            seconds = body.get("refuse_seconds", 0)
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
                return _problem(400, "refuse_seconds should be a number >= 0")
            return ok({"dropped": sandbox.sockets.drop(refuse_for=seconds)})
        case "GET", ["requests"]:
            return ok(list(sandbox.requests))
        case "POST", ["requests", "clear"]:
            return ok({"cleared": sandbox.clear_requests()})
        case "GET", ["world"]:
            return ok(sandbox.world.dump(with_hashes=False))
        case "GET", ["limits"]:
            return ok({"refused": sandbox.limiter.refused, "tickets": sandbox.penalties.issued})
    return Reply(404, None)


def _find_user(sandbox: Sandbox, ref: str) -> int | None:
    numeric = int_or_none(ref)
    if numeric is not None:
        return numeric if numeric in sandbox.world.users else None
    user = sandbox.world.user_named(ref)
    return None if user is None else int(user["id"])


SIGNAL_DOMAIN = LIVE
"""Signals are LIVE entities (`adminAlertSignal/deps` and the guide's `user/syncrequest` are
LIVE calls): only LIVE connections hear of them."""


def _user_action(sandbox: Sandbox, ref: str, action: str, body: Entity) -> Reply:
    world = sandbox.world
    user_id = _find_user(sandbox, ref)
    if user_id is None:
        return _problem(404, "User not found")
    if action == "sign-mda":
        alert_id = sandbox.config.seed.mda_alert_id
        signal = sign_mda(world, user_id, alert_id=alert_id, now=sandbox.now())
        organization = world.organization_of(user_id)
        sandbox.sockets.publish(  # only the signer's own firm's admins hear of it
            signal_event(signal),
            domain=SIGNAL_DOMAIN,
            to=lambda uid: (
                bool(world.private.get(uid, {}).get("isAdmin"))
                and world.organization_of(uid) == organization
            ),
        )
        return ok(signal)
    if action == "delete":
        world.remove_user(user_id)
        sandbox.sessions.close_user(user_id)
        return ok({"deleted": user_id})
    if action != "update":
        return Reply(404, None)
    unknown = set(body) - {"email", "status"}
    if unknown:
        return _problem(400, f"unknown fields: {', '.join(sorted(unknown))}")
    if "status" in body and body["status"] not in USER_STATUSES:
        return _problem(400, "unknown status")
    if "email" in body:
        email = str(body["email"])
        if world.user_by_email.get(email.lower(), user_id) != user_id:
            return _problem(409, "Email already registered")
        world.set_user_email(user_id, email)
    if "status" in body:
        world.users[user_id]["status"] = body["status"]
        world.touch()
    return ok(world.users[user_id])


def _update_contact(sandbox: Sandbox, ref: str, body: Entity) -> Reply:
    world = sandbox.world
    user_id = _find_user(sandbox, ref)
    if user_id is None:
        return _problem(404, "User not found")
    unknown = set(body) - set(CONTACT_FIELDS)
    if unknown:
        return _problem(400, f"unknown fields: {', '.join(sorted(unknown))}")
    contact_id = world.contact_by_user.get(user_id)
    if contact_id is None:
        contact: Entity = {"id": world.new_id(), "userId": user_id}
        contact.update(dict.fromkeys(CONTACT_FIELDS))
    else:
        contact = world.contacts[contact_id]
    contact.update(body)
    world.put_contact(contact)
    return ok(contact)


def _find_account(sandbox: Sandbox, ref: str) -> int | None:
    """By id, else the open account of that name, else the newest closed one."""
    world = sandbox.world
    numeric = int_or_none(ref)
    if numeric is not None:
        return numeric if numeric in world.accounts else None
    found = world.open_account_by_name.get(ref.upper())
    if found is not None:
        return found
    closed = [a["id"] for a in world.accounts.values() if a["name"].upper() == ref.upper()]
    return max(closed, default=None)


def _account_action(sandbox: Sandbox, ref: str, action: str, body: Entity) -> Reply:
    world = sandbox.world
    account_id = _find_account(sandbox, ref)
    if account_id is None:
        return _problem(404, "Account not found")
    if action == "delete":
        world.remove_account(account_id)
        return ok({"deleted": account_id})
    if action == "pre-trade-risk":  # `{"preTradeRisk": [...]}`, as createEvaluationAccounts
        rules = body.get("preTradeRisk")
        if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
            return _problem(400, "preTradeRisk should be a list of objects")
        world.pre_trade_risk[account_id] = rules
        world.touch()
        return ok({"accountId": account_id, "preTradeRisk": rules})
    if action != "update":
        return Reply(404, None)
    lifecycle = {key: body[key] for key in ADMIN_FIELDS if key in body}
    body = {key: value for key, value in body.items() if key not in lifecycle}
    if lifecycle:
        refused = admin_update(world, account_id, lifecycle)
        if refused:
            return _problem(400, refused)
    unknown = set(body) - {*AUTOLIQ_FIELDS, "closed"}
    if unknown:
        return _problem(400, f"unknown fields: {', '.join(sorted(unknown))}")
    closed: Any = body.get("closed")
    if closed is not None and not isinstance(closed, bool):
        return _problem(400, "closed should be true or false")
    if closed is not None and not world.set_account_closed(account_id, closed=closed):
        return _problem(409, "Another open account has this name")
    changes = {key: value for key, value in body.items() if key != "closed"}
    autoliq = world.autoliqs.setdefault(
        account_id, {"id": account_id, **dict.fromkeys(AUTOLIQ_FIELDS)}
    )
    autoliq.update(changes)
    world.touch()
    return ok({"account": world.accounts[account_id], "userAccountAutoLiq": autoliq})
