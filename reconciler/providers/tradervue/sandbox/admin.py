"""The sandbox's own `/_sandbox` endpoints: simulate the outside world (a user leaves the
organisation, is changed on the site, logs in; trials end), move the clock, read the request log
and the world (faults: `providers.sandbox.faults`). No auth; loopback only."""

from __future__ import annotations

import secrets
from datetime import date
from typing import TYPE_CHECKING

from reconciler.providers.sandbox.reply import Reply
from reconciler.providers.tradervue.sandbox.protocol import (
    Call,
    invalid,
    ok,
)
from reconciler.providers.tradervue.sandbox.rules import check_identity
from reconciler.providers.tradervue.sandbox.users import create_user
from reconciler.providers.tradervue.sandbox.world import Entity, World

if TYPE_CHECKING:
    from reconciler.providers.tradervue.sandbox.gateway import Sandbox


def _problem(status: int, text: str) -> Reply:
    return Reply(status, {"error": text})


def admin_reply(sandbox: Sandbox, method: str, segments: list[str], body: Entity) -> Reply:
    """Answer `/_sandbox/<segments>`; usernames resolve case-insensitively."""
    match method, segments:
        case "POST", ["users", "create"]:  # as if the manager added a member on the site
            return _create_member(sandbox, body)
        case "GET", ["users", username]:
            user_id = sandbox.world.by_username.get(username.lower())
            if user_id is None:
                return _problem(404, "User not found")
            return ok(_debug_view(sandbox.world, user_id, sandbox.today()))
        case "POST", ["users", username, action]:
            return _user_action(sandbox, username, action, body)
        case "POST", ["trials", "expire"]:
            return ok({"downgraded": expire_trials(sandbox.world, today=sandbox.today())})
        case "POST", ["clock", "advance"]:
            if not sandbox.advance_clock(body.get("seconds")):
                return _problem(400, "seconds should be a number >= 0")
            return ok({"now": sandbox.iso_now(), "offset": sandbox.offset})
        case "GET", ["requests"]:
            return ok(list(sandbox.requests))
        case "POST", ["requests", "clear"]:
            return ok({"cleared": sandbox.clear_requests()})
        case "GET", ["world"]:
            world = sandbox.world.dump(with_hashes=False)
            world["users"] = [
                _debug_view(sandbox.world, int(row["id"]), sandbox.today())
                for row in world["users"]
            ]
            return ok(world)
    return _problem(404, "Not found")


def _create_member(sandbox: Sandbox, body: Entity) -> Reply:
    """A member of the sandbox's organisation made outside the API (to rehearse adoption),
    checked by the API's own create rules; without a password it gets a random one."""
    body = {"password": secrets.token_urlsafe(12), **body}
    org = sandbox.world.organization
    created = create_user(Call(sandbox.world, sandbox.rules, body, sandbox.today(), "", org))
    if created.status != 201:
        return created
    user_id = int(created.payload["id"])
    return ok(_debug_view(sandbox.world, user_id, sandbox.today()))


def _debug_view(world: World, user_id: int, today: date) -> Entity:
    """A user with what the API never shows (no password digest): organisation, trial end
    (and whether the clock passed it), settings."""
    private = {k: v for k, v in world.private[user_id].items() if k != "password_hash"}
    trial_end = private.get("trial_end")
    expired = trial_end is not None and date.fromisoformat(str(trial_end)) < today
    return {**world.users[user_id], **private, "trial_expired": expired}


def _user_action(sandbox: Sandbox, username: str, action: str, body: Entity) -> Reply:
    world = sandbox.world
    user_id = world.member_named(username)
    if user_id is None:
        return _problem(404, "User not found in the organization")
    if world.private[user_id].get("is_manager"):
        return _problem(409, "The organization manager cannot be changed here")
    if action == "remove":
        world.leave(user_id)
        return ok({"removed": user_id})
    if action == "login":
        world.change(user_id, {"last_login": sandbox.iso_now()})
        return ok(world.users[user_id])
    if action != "update":
        return _problem(404, "Not found")
    unknown = set(body) - {"username", "email", "plan"}
    if unknown:
        return _problem(400, f"unknown fields: {', '.join(sorted(unknown))}")
    errors, accepted = check_identity(world, body, sandbox.rules, user_id=user_id, required=False)
    if errors:
        return invalid(errors)
    world.change(user_id, accepted)
    return ok(world.users[user_id])


def expire_trials(world: World, *, today: date) -> list[str]:
    """The downgrade hook: members whose trial ended before today go to Free (usernames)."""
    downgraded = []
    for user in world.list_members():
        private = world.private[int(user["id"])]
        trial_end = private.get("trial_end")
        ended = trial_end is not None and date.fromisoformat(str(trial_end)) < today
        if ended and user["plan"] != "Free" and not private.get("trial_downgraded"):
            downgraded.append(str(user["username"]))
    for username in downgraded:
        user_id = world.by_username[username.lower()]
        world.private[user_id]["trial_downgraded"] = True
        world.change(user_id, {"plan": "Free"})
    return downgraded
