"""The sandbox's own `/_sandbox` endpoints: simulate the outside world (a trader verifying their
identity, changes made by the platform's staff), move the clock, read the request log and dump
the world (faults: `providers.sandbox.faults`). No auth; loopback only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.providers.sandbox.reply import Reply
from reconciler.providers.traderpal.sandbox.protocol import (
    bad_request,
    conflict,
    not_found,
)
from reconciler.providers.traderpal.sandbox.users import Call
from reconciler.providers.traderpal.sandbox.world import STATUSES, Entity, checks, iso

if TYPE_CHECKING:
    from reconciler.providers.traderpal.sandbox.gateway import Sandbox

UPDATABLE = frozenset(
    {"firstName", "lastName", "dateOfBirth", "country", "phoneNumber", "email", "status"}
)
CHECKS = frozenset({"email", "identity", "address"})


def admin_reply(sandbox: Sandbox, method: str, segments: list[str], body: Entity) -> Reply:
    """Answer `/_sandbox/<segments>`; refusals are raised (the gateway renders them)."""
    lowered = [s.lower() for s in segments]
    match method, lowered:
        case "POST", ["users", "create"]:  # as if the partner's staff made it by hand
            call = Call(body, {}, "", None, None, sandbox.now())
            created = sandbox.users.create(call)  # the API's rules; refusals raised
            return Reply(200, dict(sandbox.world.find(str(created.payload["userId"])) or {}))
        case "POST", ["users", _, action]:
            return _user_action(sandbox, segments[1], action, body)
        case "POST", ["settings"]:
            return _settings(sandbox, body)
        case "POST", ["clock", "advance"]:
            if not sandbox.advance_clock(body.get("seconds")):
                raise bad_request("seconds must be a number >= 0", field="seconds")
            return Reply(200, {"now": iso(sandbox.now()), "offset": sandbox.offset})
        case "GET", ["requests"]:
            return Reply(200, list(sandbox.requests))
        case "POST", ["requests", "clear"]:
            return Reply(200, {"cleared": sandbox.clear_requests()})
        case "GET", ["world"]:
            return Reply(200, {**sandbox.world.dump(), "settings": _settings_of(sandbox)})
    raise not_found("admin endpoint")


def _user_action(sandbox: Sandbox, ref: str, action: str, body: Entity) -> Reply:
    world = sandbox.world
    user = world.find(ref)
    if user is None:
        raise not_found()
    stamp = iso(sandbox.now())
    if action == "activate":
        if user["status"] == "closed":
            raise conflict("invalid_state_transition", "a closed user cannot be activated")
        if user["status"] == "pending_verification":
            user["status"] = "active"
        user["verificationStatus"] = checks("verified")
        user["updatedAt"] = stamp
        world.touch()
        return Reply(200, dict(user))
    if action == "delete":
        world.remove(user["userId"])
        return Reply(200, {"deleted": user["userId"]})
    if action != "update":
        raise not_found("admin action")
    _check_update(body)
    email = body.get("email")
    if email is not None and world.by_email.get(email.lower(), user["userId"]) != user["userId"]:
        raise conflict("email_exists", "a user with this email already exists", field="email")
    if email is not None:
        world.set_email(user["userId"], email)
    user.update({k: v for k, v in body.items() if k not in ("email", "verificationStatus")})
    if "verificationStatus" in body:
        user["verificationStatus"] = {**user["verificationStatus"], **body["verificationStatus"]}
    user["updatedAt"] = stamp
    world.touch()
    return Reply(200, dict(user))


def _check_update(body: Entity) -> None:
    """Staff may set anything, but only known fields of the right type."""
    for name, value in body.items():
        if name == "verificationStatus":
            if not isinstance(value, dict) or not set(value) <= CHECKS:
                raise bad_request("verificationStatus must map email/identity/address to text")
            if not all(isinstance(v, str) for v in value.values()):
                raise bad_request("verificationStatus values must be text", field=name)
        elif name not in UPDATABLE:
            raise bad_request(f"unknown field {name}", field=name)
        elif name in ("firstName", "lastName", "email", "status") and not isinstance(value, str):
            raise bad_request(f"{name} must be text", field=name)
        elif value is not None and not isinstance(value, str):
            raise bad_request(f"{name} must be text or null", field=name)
    if "status" in body and body["status"] not in STATUSES:
        raise bad_request(f"status must be one of {', '.join(STATUSES)}", field="status")


def _settings(sandbox: Sandbox, body: Entity) -> Reply:
    unknown = set(body) - {"auto_activate"}
    if unknown:
        raise bad_request(f"unknown settings: {', '.join(sorted(unknown))}")
    value: Any = body.get("auto_activate", sandbox.users.auto_activate)
    if not isinstance(value, bool):
        raise bad_request("auto_activate must be true or false", field="auto_activate")
    sandbox.users.auto_activate = value
    return Reply(200, _settings_of(sandbox))


def _settings_of(sandbox: Sandbox) -> dict[str, Any]:
    return {"auto_activate": sandbox.users.auto_activate, "min_age": sandbox.config.min_age}
