"""What passes between the sandbox's HTTP gateway and its rules: calls, replies, endpoint specs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.providers.sandbox.reply import Reply
from reconciler.providers.tradovate.sandbox.limits import Sessions
from reconciler.providers.tradovate.sandbox.world import Entity, World

LIVE = "live"
DEMO = "demo"
BOTH = frozenset({LIVE, DEMO})
ONLY_LIVE = frozenset({LIVE})
ONLY_DEMO = frozenset({DEMO})
WRONG_DOMAIN = {
    LIVE: "This endpoint should be called on demo.tradovateapi.com",
    DEMO: "This endpoint should be called on live.tradovateapi.com",
}
ACCESS_DENIED = "Access is denied"


@dataclass(frozen=True, slots=True)
class Call:
    """One admitted API request. `caller` is the authenticated user id (None when anonymous)."""

    world: World
    sessions: Sessions
    domain: str
    body: Entity
    query: Mapping[str, str]
    now: float
    caller: int | None
    token: str | None

    @property
    def organization(self) -> int | None:
        """The caller's organisation: the only one whose users it may see or change."""
        return self.world.organization_of(self.caller)

    def owns(self, user_id: object) -> bool:
        """Whether `user_id` is a user of the caller's organisation."""
        found = self.world.organization_of(user_id)
        return found is not None and found == self.organization


def is_failure(reply: Reply) -> bool:
    """A 4xx/5xx, a whole-call errorText, `ok: false`, or any per-item errorText."""
    if reply.status >= 400:
        return True
    payload = reply.payload
    if not isinstance(payload, dict):
        return False
    if payload.get("errorText") or payload.get("ok") is False:
        return True
    results = payload.get("results")
    return isinstance(results, list) and any(
        isinstance(item, dict) and item.get("errorText") for item in results
    )


Handler = Callable[[Call], Reply]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One route: lower-case `path` after `/v1/`, the domains serving it, who may call it."""

    method: str
    path: str
    handler: Handler
    domains: frozenset[str] = BOTH
    needs_auth: bool = True
    admin_only: bool = False


def ok(payload: Any) -> Reply:
    """HTTP 200 with `payload`."""
    return Reply(200, payload)


def error(text: str, **extra: Any) -> Reply:
    """A business error: HTTP 200 with `errorText`."""
    return Reply(200, {"errorText": text, **extra})


def not_found() -> Reply:
    """HTTP 404 with an empty body, as the platform answers a missing entity."""
    return Reply(404, None)


UNKNOWN_ROUTE = "Unknown operation"
"""errorText of a route the sandbox does not serve (wording `assumed`: the platform's is not
documented; its shape, `{"errorText": ...}`, is the platform's error body)."""


def unknown_route() -> Reply:
    """HTTP 404 with the platform's JSON error body, for a route the sandbox does not serve
    (a client that decodes every answer as JSON, as the vendor's examples do, keeps working)."""
    return Reply(404, {"errorText": UNKNOWN_ROUTE})


def int_or_none(value: object) -> int | None:
    """`value` as an int id when it is one (bools and fractions are not ids)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def id_list(text: str | None) -> list[int] | None:
    """`1,2,3` as ints; None when any part is not an id."""
    if not text:
        return []
    ids = [int_or_none(part) for part in text.split(",") if part.strip()]
    return None if any(i is None for i in ids) else [i for i in ids if i is not None]


def object_list(value: object) -> list[Entity] | None:
    """`value` as a list of JSON objects (absent means empty; None when it is something else)."""
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    return None


def text_field(body: Entity, key: str) -> str:
    """A string field with surrounding blanks removed; non-strings read as empty."""
    value = body.get(key)
    return value.strip() if isinstance(value, str) else ""
