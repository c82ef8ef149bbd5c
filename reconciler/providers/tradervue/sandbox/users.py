"""The sandbox's users API: list, show, create and update the organisation's users."""

from __future__ import annotations

from reconciler.providers.sandbox.credentials import hash_secret
from reconciler.providers.sandbox.reply import Reply
from reconciler.providers.tradervue.sandbox.protocol import (
    Call,
    invalid,
    not_found,
    ok,
)
from reconciler.providers.tradervue.sandbox.rules import (
    check_identity,
    check_password,
    check_settings,
    check_trial_end,
)
from reconciler.providers.tradervue.sandbox.world import PUBLIC, Entity


def route(method: str, segments: list[str], call: Call) -> Reply:
    """Answer `/api/v1/<segments>`; anything unrouted (DELETE included) is a 404."""
    match method, segments:
        case "GET", ["users"]:
            return ok({"users": list(call.world.list_members(call.org))})
        case "POST", ["users"]:
            return create_user(call)
        case "GET", ["users", ref]:
            user_id = _member_id(call, ref)
            return not_found() if user_id is None else ok(call.world.users[user_id])
        case "PUT", ["users", ref]:
            user_id = _member_id(call, ref)
            return not_found() if user_id is None else update_user(call, user_id)
    return not_found()


def _member_id(call: Call, ref: str) -> int | None:
    if not ref.isdigit():
        return None
    user_id = int(ref)
    return user_id if call.world.member(user_id, call.org) is not None else None


def create_user(call: Call) -> Reply:
    """201 + Location + `{"id"}`, or 400 with every problem; nothing is created on a 400."""
    world, body, rules = call.world, call.body, call.rules
    errors, identity = check_identity(world, body, rules, user_id=None, required=True)
    errors += check_password(body, rules)
    trial_errors, trial_end = check_trial_end(body.get("trial_end"), rules, today=call.today)
    errors += trial_errors
    settings_errors, settings = check_settings(world, body.get("settings"), org=call.org)
    errors += settings_errors
    if errors:
        return invalid(errors)
    user_id = world.new_id()
    user: Entity = dict.fromkeys(PUBLIC)
    user.update(identity, id=user_id, billing_mode="Managed")
    world.add_user(
        user,
        {
            "org": call.org,
            "password_hash": hash_secret(str(body["password"])),
            "trial_end": trial_end,
            "settings": settings,
        },
    )
    return Reply(201, {"id": user_id}, {"Location": f"{call.api_root}/users/{user_id}"})


def update_user(call: Call, user_id: int) -> Reply:
    """200 with an empty body; only username, e-mail and plan can change (others ignored)."""
    errors, accepted = check_identity(
        call.world, call.body, call.rules, user_id=user_id, required=False
    )
    if errors:
        return invalid(errors)
    if accepted:
        call.world.change(user_id, accepted)
    return ok()
