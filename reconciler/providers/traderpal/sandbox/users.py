"""The sandbox's users API (`/v1/users`): create with idempotency keys, get, update, list."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from reconciler.providers.sandbox.reply import Reply
from reconciler.providers.traderpal.limits import DEFAULT_USERS_PER_PAGE, USERS_PER_PAGE
from reconciler.providers.traderpal.sandbox import rules as sandbox_rules
from reconciler.providers.traderpal.sandbox.config import SandboxConfig
from reconciler.providers.traderpal.sandbox.protocol import (
    Refusal,
    bad_request,
    conflict,
    not_found,
)
from reconciler.providers.traderpal.sandbox.world import (
    DEFAULT_PARTNER,
    STATUSES,
    Entity,
    World,
    checks,
    iso,
)

MAX_LIMIT = USERS_PER_PAGE.value
DEFAULT_LIMIT = DEFAULT_USERS_PER_PAGE.value
STATUS_ALIASES = {"pending": "pending_verification"}


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated API request: its JSON body (None when not an object), query, the
    caller's API key, its Idempotency-Key, the user id in the path, sandbox time, and the
    partner the key belongs to (it sees and changes only its own users)."""

    body: Entity | None
    query: Mapping[str, str]
    api_key: str
    idempotency_key: str | None
    user_id: str | None
    now: float
    partner: str = DEFAULT_PARTNER


@dataclass(frozen=True, slots=True)
class Remembered:
    """A 201 kept for replay under an Idempotency-Key, with a fingerprint of its body."""

    fingerprint: str
    expires: float
    reply: Reply


_SHOWN = ("userId", "email", "firstName", "lastName", "status")
DOCUMENTED_FIELDS: dict[str, tuple[str, ...]] = {
    "create": (*_SHOWN, "createdAt"),
    "get": (*_SHOWN, "createdAt", "verificationStatus"),
    "update": (*_SHOWN, "updatedAt"),
    "list": (*_SHOWN, "createdAt"),
}
"""The fields each answer of the Users API document shows (its examples)."""


class UsersApi:
    """The user rules over the world; `auto_activate` may be switched at run time."""

    def __init__(self, world: World, config: SandboxConfig) -> None:
        self.world = world
        self.config = config
        self.auto_activate = config.auto_activate
        self._replies: dict[tuple[str, str], Remembered] = {}

    def today(self, now: float) -> date:
        return datetime.fromtimestamp(now, UTC).date()

    def create(self, call: Call) -> Reply:
        body = _object(call)
        remembered = self._replay(call, body)
        if remembered is not None:
            return remembered
        fields = sandbox_rules.new_user(
            body, today=self.today(call.now), min_age=self.config.min_age
        )
        if fields["email"].lower() in self.world.by_email:
            raise conflict("email_exists", "a user with this email already exists", field="email")
        stamp = iso(call.now)
        verified = self.auto_activate
        user: Entity = {
            "userId": self.world.new_id(),
            **fields,
            "status": "active" if verified else "pending_verification",
            "createdAt": stamp,
            "updatedAt": stamp,
            "verificationStatus": checks("verified" if verified else "pending"),
        }
        self.world.add(user, partner=call.partner)
        reply = Reply(201, self._shaped(user, "create"))
        if call.idempotency_key:
            expires = call.now + self.config.idempotency_ttl
            key = (call.api_key, call.idempotency_key)
            self._replies[key] = Remembered(_fingerprint(body), expires, reply)
        return reply

    def get(self, call: Call) -> Reply:
        return Reply(200, self._shaped(self._user(call), "get"))

    def update(self, call: Call) -> Reply:
        user = self._user(call)
        body = _object(call)
        if user["status"] == "closed":
            raise conflict("invalid_state_transition", "a closed user cannot be changed")
        fields = sandbox_rules.changes(
            body, today=self.today(call.now), min_age=self.config.min_age
        )
        if "status" in fields:
            sandbox_rules.transition(user["status"], fields["status"])
        changed = {k: v for k, v in fields.items() if user.get(k) != v}
        if changed:
            user.update(changed)
            user["updatedAt"] = iso(call.now)
            self.world.touch()
        return Reply(200, self._shaped(user, "update"))

    def list(self, call: Call) -> Reply:
        limit = _number(call.query, "limit", DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
        offset = _number(call.query, "offset", 0, low=0, high=None)
        status = call.query.get("status")
        if status is not None:
            status = STATUS_ALIASES.get(status, status)
            if status not in STATUSES:
                raise bad_request(
                    f"status must be one of {', '.join(STATUSES)} (or pending)", field="status"
                )
        users, total = self.world.page(
            offset=offset, limit=limit, status=status, partner=call.partner
        )
        metadata = {"total": total, "limit": limit, "offset": offset}
        items = [self._shaped(u, "list") for u in users]
        return Reply(200, {"users": items, "metadata": metadata})

    def _shaped(self, user: Entity, answer: str) -> Entity:
        """The user as `answer` (create, get, update, list) returns it: every field, or with
        `documented_shapes` only the fields the platform's document shows for that answer."""
        if not self.config.documented_shapes:
            return dict(user)
        return {k: user[k] for k in DOCUMENTED_FIELDS[answer] if k in user}

    def _user(self, call: Call) -> Entity:
        user = self.world.find_for(call.partner, call.user_id or "")
        if user is None:
            raise not_found()
        return user

    def _replay(self, call: Call, body: Entity) -> Reply | None:
        if not call.idempotency_key:
            return None
        key = (call.api_key, call.idempotency_key)
        remembered = self._replies.get(key)
        if remembered is None or remembered.expires <= call.now:
            self._replies.pop(key, None)
            return None
        if remembered.fingerprint != _fingerprint(body):
            raise Refusal(
                422,
                "idempotency_key_reused",
                "this Idempotency-Key was used with another request body",
                field="Idempotency-Key",
            )
        reply = remembered.reply
        return Reply(reply.status, reply.payload, {"Idempotent-Replayed": "true"})


def _object(call: Call) -> Entity:
    if call.body is None:
        raise bad_request("the body must be a JSON object")
    return call.body


def _fingerprint(body: Entity) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def _number(
    query: Mapping[str, str], name: str, default: int, *, low: int, high: int | None
) -> int:
    text = query.get(name)
    if text is None:
        return default
    value: Any = int(text) if text.strip().lstrip("-").isdigit() else None
    if value is None or value < low or (high is not None and value > high):
        bounds = f"{low} to {high}" if high is not None else f"at least {low}"
        raise bad_request(f"{name} must be an integer, {bounds}", field=name)
    return int(value)
