"""The sandbox's world: users as the API returns them (camelCase), indexed by id and lower-cased
e-mail, the partner (API key holder) owning each, kept in list order (createdAt, userId) per
partner, plus its JSON file form."""

from __future__ import annotations

import bisect
import random
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

Entity = dict[str, Any]

FORMAT = 1
DEFAULT_PARTNER = "sandbox"
STATUSES = ("pending_verification", "active", "suspended", "closed")
_ID_ALPHABET = string.ascii_lowercase + string.digits


def iso(epoch: float) -> str:
    """ISO 8601 UTC to the second with `Z`, as the platform's examples write timestamps."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def checks(state: str) -> Entity:
    """A `verificationStatus` with every check in `state` (`pending` or `verified`)."""
    return {"email": state, "identity": state, "address": state}


class World:
    """Every user, closed ones included. Invariants: `by_email` maps each lower-cased e-mail
    to one user id; `owner` maps each user id to its partner; `order` lists (createdAt,
    userId) of every user and `orders` those of each partner, sorted; `revision` changes
    whenever anything does (the gateway then saves)."""

    def __init__(self, *, id_seed: int = 0) -> None:
        self.users: dict[str, Entity] = {}
        self.by_email: dict[str, str] = {}
        self.owner: dict[str, str] = {}
        self.order: list[tuple[str, str]] = []
        self.orders: dict[str, list[tuple[str, str]]] = {}
        self.revision = 0
        self._ids = random.Random(id_seed)

    # --- reading ---------------------------------------------------------------------------

    def find(self, ref: str) -> Entity | None:
        """A user by id, else by e-mail (any case)."""
        return self.users.get(ref) or self.users.get(self.by_email.get(ref.lower(), ""))

    def find_for(self, partner: str, user_id: str) -> Entity | None:
        """The user with `user_id` when `partner` owns it."""
        user = self.users.get(user_id)
        return user if user is not None and self.owner.get(user_id) == partner else None

    def listed(self, *, status: str | None, partner: str = DEFAULT_PARTNER) -> Iterator[Entity]:
        """The partner's users in list order, optionally of one status."""
        for _, user_id in self.orders.get(partner, []):
            user = self.users[user_id]
            if status is None or user["status"] == status:
                yield user

    def page(
        self, *, offset: int, limit: int, status: str | None, partner: str = DEFAULT_PARTNER
    ) -> tuple[list[Entity], int]:
        """One page of the partner's list and the size of the (filtered) whole."""
        if status is None:
            order = self.orders.get(partner, [])
            ids = order[offset : offset + limit]
            return [self.users[user_id] for _, user_id in ids], len(order)
        matching = list(self.listed(status=status, partner=partner))
        return matching[offset : offset + limit], len(matching)

    # --- changing --------------------------------------------------------------------------

    def new_id(self) -> str:
        while True:
            user_id = "usr_" + "".join(self._ids.choices(_ID_ALPHABET, k=12))
            if user_id not in self.users:
                return user_id

    def add(self, user: Entity, *, partner: str = DEFAULT_PARTNER) -> None:
        key = (user["createdAt"], user["userId"])
        self.users[user["userId"]] = user
        self.by_email[user["email"].lower()] = user["userId"]
        self.owner[user["userId"]] = partner
        bisect.insort(self.order, key)
        bisect.insort(self.orders.setdefault(partner, []), key)
        self.touch()

    def remove(self, user_id: str) -> None:
        user = self.users.pop(user_id)
        del self.by_email[user["email"].lower()]
        key = (user["createdAt"], user_id)
        self.order.pop(bisect.bisect_left(self.order, key))
        order = self.orders[self.owner.pop(user_id)]
        order.pop(bisect.bisect_left(order, key))
        self.touch()

    def set_email(self, user_id: str, email: str) -> None:
        user = self.users[user_id]
        del self.by_email[user["email"].lower()]
        user["email"] = email
        self.by_email[email.lower()] = user_id
        self.touch()

    def touch(self) -> None:
        self.revision += 1

    # --- file form -------------------------------------------------------------------------

    def dump(self) -> dict[str, Any]:
        """Users in list order, and the partners owning users other than the default one."""
        owners = {i: p for i, p in self.owner.items() if p != DEFAULT_PARTNER}
        return {
            "format": FORMAT,
            "users": [self.users[i] for _, i in self.order],
            "owners": owners,
        }

    @classmethod
    def load(cls, document: dict[str, Any], *, id_seed: int = 0) -> World:
        if document.get("format") != FORMAT:
            raise ValueError(f"unsupported sandbox data format {document.get('format')!r}")
        world = cls(id_seed=id_seed)
        owners = document.get("owners", {})
        for user in document["users"]:
            user_id = user["userId"]
            partner = owners.get(user_id, DEFAULT_PARTNER)
            world.users[user_id] = user
            world.by_email[user["email"].lower()] = user_id
            world.owner[user_id] = partner
            world.order.append((user["createdAt"], user_id))
            world.orders.setdefault(partner, []).append((user["createdAt"], user_id))
        world.order.sort()
        for order in world.orders.values():
            order.sort()
        return world

    @classmethod
    def seeded(cls, count: int, *, now: float, id_seed: int = 0) -> World:
        """A world of `count` verified, active users (for benchmarks and paging tests)."""
        world = cls(id_seed=id_seed)
        created = iso(now)
        for n in range(count):
            user_id = world.new_id()
            world.users[user_id] = {
                "userId": user_id,
                "email": f"user{n}@seed.invalid",
                "firstName": "Seed",
                "lastName": f"User{n}",
                "dateOfBirth": "1990-01-01",
                "country": "US",
                "phoneNumber": None,
                "status": "active",
                "createdAt": created,
                "updatedAt": created,
                "verificationStatus": checks("verified"),
            }
            world.by_email[f"user{n}@seed.invalid"] = user_id
            world.owner[user_id] = DEFAULT_PARTNER
            world.order.append((created, user_id))
        world.order.sort()
        world.orders[DEFAULT_PARTNER] = list(world.order)
        return world
