"""Sandbox rules of users (LIVE): batch creation, e-mail and password changes, contact info."""

from __future__ import annotations

import re
from typing import Any, TypeGuard

from reconciler.manifest import is_country
from reconciler.providers.sandbox.credentials import hash_secret, matches_secret
from reconciler.providers.sandbox.reply import Reply
from reconciler.providers.tradovate.limits import USERS_PER_CREATE
from reconciler.providers.tradovate.sandbox.protocol import (
    ACCESS_DENIED,
    ONLY_LIVE,
    Call,
    Endpoint,
    error,
    int_or_none,
    object_list,
    ok,
    text_field,
)
from reconciler.providers.tradovate.sandbox.time import iso, trade_date
from reconciler.providers.tradovate.sandbox.world import Entity, World

MAX_BATCH = USERS_PER_CREATE.value
DEPRECATED_ENTITLEMENT = 22
SIM_PLUS = "SimPlusBeta"
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,30}$")
_REQUIRED_CONTACT = (
    ("firstName", "First Name"),
    ("lastName", "Last Name"),
    ("streetAddress1", "Street Address 1"),
    ("city", "City"),
    ("country", "Country"),
    ("phone", "Phone"),
)
_OPTIONAL_CONTACT = ("streetAddress2", "state", "postCode")
NAMES_TOO_LONG = "First and last name together should be no longer than 60 characters"


def is_valid_email(email: str) -> bool:
    """The platform's rule: an `@` and at most 64 characters."""
    return "@" in email and len(email) <= 64


def is_valid_password(password: object) -> TypeGuard[str]:
    """A string of 8 to 64 characters."""
    return isinstance(password, str) and 8 <= len(password) <= 64


def create_evaluation_users(call: Call) -> Reply:
    """Create up to 100 users; items succeed or fail independently, in input order."""
    users = object_list(call.body.get("users"))
    if users is None:
        return Reply(400, {"errorText": "users should be an array of objects"})
    if not users:
        return error("Empty users", results=[])
    if len(users) > MAX_BATCH:
        return error(f"Only {MAX_BATCH} users are allowed in single operation", results=[])
    if any(DEPRECATED_ENTITLEMENT in _ids(item.get("entitlementIds")) for item in users):
        return error("Entitlement 22 (GroupTrade) is deprecated", results=[])
    organization = call.organization or 0
    results = [_create_user(call.world, item, call.now, organization) for item in users]
    return ok({"results": results, "errorText": ""})


def _ids(value: object) -> list[int]:
    if not isinstance(value, list):
        return []
    return [i for i in (int_or_none(v) for v in value) if i is not None]


def _user_problem(world: World, item: Entity, organization: int) -> str | None:
    name, email = text_field(item, "name"), text_field(item, "email")
    password = item.get("password")
    first, last = text_field(item, "firstName"), text_field(item, "lastName")
    plan_id = item.get("tradovateSubscriptionPlanId")
    entitlement_ids = _ids(item.get("entitlementIds"))
    checks = (
        (not 3 <= len(name) <= 64, "Name should be 3 to 64 characters"),
        (not is_valid_email(email), "Email is invalid"),
        (not is_valid_password(password), "Password should be 8 to 64 characters"),
        (not first, "First Name should be specified"),
        (not 2 <= len(last) <= 64, "Last Name should be 2 to 64 characters"),
        (len(first) + len(last) > 60, NAMES_TOO_LONG),
        (name.lower() in world.user_by_name, "User already exists"),
        (email.lower() in world.user_by_email, "Email already registered"),
    )
    for failed, text in checks:
        if failed:
            return text
    if plan_id is not None:
        plan = world.plans.get(int_or_none(plan_id) or -1)
        if plan is None or plan.get("organizationId") != organization:
            return "Unknown subscription plan"
    known = [world.entitlements.get(i) for i in entitlement_ids]
    if any(e is not None and e.get("legalEntityType") == SIM_PLUS for e in known):
        return "Sim+ entitlements must be added after the Market Data Agreement is signed"
    if any(e is None for e in known):
        return "Unknown entitlement"
    return None


def _create_user(world: World, item: Entity, now: float, organization: int) -> Entity:
    """One user as createevaluationusers makes it: `{"userId"}` or `{"errorText"}`."""
    problem = _user_problem(world, item, organization)
    if problem is not None:
        return {"errorText": problem}
    user_id = world.new_id()
    world.add_user(
        {
            "id": user_id,
            "name": text_field(item, "name"),
            "email": text_field(item, "email"),
            "timestamp": iso(now),
            "status": "Active",
            "professional": False,
            "organizationId": organization,
        },
        {
            "passwordHash": hash_secret(item["password"]),
            "firstName": text_field(item, "firstName"),
            "lastName": text_field(item, "lastName"),
            "isAdmin": False,
            "mdaSigned": False,
        },
    )
    plan_id = int_or_none(item.get("tradovateSubscriptionPlanId"))
    if plan_id is not None:
        world.add_owned(
            "subscriptions", new_subscription(world, user_id, world.plans[plan_id], now)
        )
    for entitlement_id in dict.fromkeys(_ids(item.get("entitlementIds"))):
        entitlement = world.entitlements[entitlement_id]
        world.add_owned("plugins", new_plugin(world, user_id, entitlement, None, now))
    return {"userId": user_id}


create_user = _create_user
"""For the admin endpoint `users/create`: a user made outside reconciler (e.g. by hand)."""


def new_subscription(world: World, user_id: int, plan: Entity, now: float) -> Entity:
    """A TradovateSubscription of `plan` for a user, starting now."""
    days = {"Week": 7, "Month": 30, "Quarter": 91, "Year": 365}.get(
        str(plan.get("durationUnits")), 0
    )
    end = now + 86400 * days * int(plan.get("duration") or 1)
    return {
        "id": world.new_id(),
        "userId": user_id,
        "timestamp": iso(now),
        "planPrice": plan.get("price", 0),
        "accountId": None,
        "tradovateSubscriptionPlanId": plan["id"],
        "startDate": trade_date(now),
        "expirationDate": trade_date(end) if days else None,
        "paidAmount": 0,
        "cancelledRenewal": False,
        "cancelReason": None,
    }


def new_plugin(
    world: World, user_id: int, entitlement: Entity, account_id: int | None, now: float
) -> Entity:
    """An approved UserPlugin (entitlement subscription) of `entitlement` for a user."""
    return {
        "id": world.new_id(),
        "userId": user_id,
        "timestamp": iso(now),
        "planPrice": 0,
        "accountId": account_id,
        "pluginName": entitlement["name"],
        "approval": True,
        "entitlementId": entitlement["id"],
        "startDate": trade_date(now),
        "expirationDate": None,
        "paidAmount": 0,
        "autorenewal": True,
    }


def _target_user(call: Call) -> int | None:
    """The `userId` of the body (the caller when absent), if the caller's organisation has
    such a user."""
    raw = call.body.get("userId")
    user_id = call.caller if raw is None else int_or_none(raw)
    return user_id if call.owns(user_id) else None


def _is_admin(call: Call) -> bool:
    return bool(call.world.private.get(call.caller or -1, {}).get("isAdmin"))


def modify_email_address(call: Call) -> Reply:
    """Change a user's e-mail (org admins: anyone's; others: their own)."""
    user_id = _target_user(call)
    email = text_field(call.body, "email")
    if user_id is None:
        return error("User not found")
    if user_id != call.caller and not _is_admin(call):
        return error(ACCESS_DENIED)
    if not is_valid_email(email):
        return error("Email is invalid")
    holder = call.world.user_by_email.get(email.lower())
    if holder not in (None, user_id):
        return error("Email already registered")
    call.world.set_user_email(user_id, email)
    return ok({"status": "ok"})


def modify_password(call: Call) -> Reply:
    """Org admins may omit `currentPassword`; other callers must give it."""
    user_id = _target_user(call)
    password = call.body.get("password")
    if user_id is None:
        return error("User not found")
    if user_id != call.caller and not _is_admin(call):
        return error(ACCESS_DENIED)
    if not is_valid_password(password):
        return error("Password should be 8 to 64 characters")
    private = call.world.private.setdefault(user_id, {})
    if not _is_admin(call):
        current = call.body.get("currentPassword")
        stored = private.get("passwordHash", "")
        if not isinstance(current, str) or not matches_secret(current, stored):
            return error("Incorrect current password")
    private["passwordHash"] = hash_secret(password)
    call.world.touch()
    return ok({"ok": True})


def update_contact_info(call: Call) -> Reply:
    """Create or replace a user's contact info after validating it."""
    body, world = call.body, call.world
    user_id = int_or_none(body.get("userId"))
    if user_id is None or not call.owns(user_id):
        return error("User not found")
    for key, label in _REQUIRED_CONTACT:
        if not text_field(body, key):
            return error(f"{label} should be specified")
    fields: dict[str, Any] = {key: text_field(body, key) for key, _ in _REQUIRED_CONTACT}
    fields.update({key: text_field(body, key) or None for key in _OPTIONAL_CONTACT})
    if not _COUNTRY.match(fields["country"]) or not is_country(fields["country"]):
        return error("Country should be a two-letter code")
    if fields["country"] == "US" and not fields["state"]:
        return error("State is required when country is US")
    if len(fields["firstName"]) + len(fields["lastName"]) > 60:
        return error(NAMES_TOO_LONG)
    if not _PHONE.match(fields["phone"]):
        return error("Phone is invalid")
    contact_id = world.contact_by_user.get(user_id)
    contact = {"id": world.new_id() if contact_id is None else contact_id, "userId": user_id}
    contact.update((key, fields[key]) for key in CONTACT_FIELDS)
    world.put_contact(contact)
    return ok({"contactInfo": contact})


CONTACT_FIELDS = (
    "firstName",
    "lastName",
    "streetAddress1",
    "streetAddress2",
    "city",
    "state",
    "postCode",
    "country",
    "phone",
)

ENDPOINTS = (
    Endpoint(
        "POST", "user/createevaluationusers", create_evaluation_users, ONLY_LIVE, admin_only=True
    ),
    Endpoint("POST", "user/modifyemailaddress", modify_email_address, ONLY_LIVE),
    Endpoint("POST", "user/modifypassword", modify_password, ONLY_LIVE),
    Endpoint(
        "POST", "contactinfo/updatecontactinfo", update_contact_info, ONLY_LIVE, admin_only=True
    ),
)
