"""What passes between the Tradervue sandbox's gateway and its handlers: calls and replies, and
the platform's error shapes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from reconciler.providers.sandbox.reply import Reply
from reconciler.providers.tradervue.sandbox.rules import Rules
from reconciler.providers.tradervue.sandbox.world import Entity, World

INVALID = "Invalid request: "


@dataclass(frozen=True, slots=True)
class Call:
    """One admitted API request (User-Agent present, caller is the manager, JSON parsed).

    `api_root` is the absolute `.../api/v1` URL the request came to (for `Location`); `org` is
    the caller's organisation, the only one whose members it sees and changes.
    """

    world: World
    rules: Rules
    body: Entity
    today: date
    api_root: str
    org: str


def ok(payload: Any = None) -> Reply:
    return Reply(200, payload)


def invalid(errors: list[str]) -> Reply:
    """400 `{"error": "Invalid request: a, b, c"}`."""
    return Reply(400, {"error": INVALID + ", ".join(errors)})


def not_found() -> Reply:
    """404 `{"error": "Not found"}`: an unknown id, a user of another organisation, or an
    unrouted request (as a Rails app answers)."""
    return Reply(404, {"error": "Not found"})
