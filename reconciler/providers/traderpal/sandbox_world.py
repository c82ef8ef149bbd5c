"""The sandbox's world: users as the API returns them (camelCase), indexed by id and lower-cased
e-mail, kept in list order (createdAt, userId), plus its JSON file form."""

from __future__ import annotations

import bisect
import random
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

Entity = dict[str, Any]

FORMAT = 1
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
    to one user id; `order` lists (createdAt, userId) of every user, sorted; `revision`
    changes whenever anything does (the gateway then saves)."""

    def __init__(self, *, id_seed: int = 0) -> None:
        self.users: dict[str, Entity] = {}
        self.by_email: dict[str, str] = {}
        self.order: list[tuple[str, str]] = []
        self.revision = 0
        self._ids = random.Random(id_seed)

    # --- reading ---------------------------------------------------------------------------

    def find(self, ref: str) -> Entity | None:
        """A user by id, else by e-mail (any case)."""
        return self.users.get(ref) or self.users.get(self.by_email.get(ref.lower(), ""))

    def listed(self, *, status: str | None) -> Iterator[Entity]:
        """Users in list order, optionally of one status."""
        for _, user_id in self.order:
            user = self.users[user_id]
            if status is None or user["status"] == status:
                yield user

    def page(self, *, offset: int, limit: int, status: str | None) -> tuple[list[Entity], int]:
        """One page of the list and the size of the (filtered) whole."""
        if status is None:
            ids = self.order[offset : offset + limit]
            return [self.users[user_id] for _, user_id in ids], len(self.order)
        matching = list(self.listed(status=status))
        return matching[offset : offset + limit], len(matching)

    # --- changing --------------------------------------------------------------------------

    def new_id(self) -> str:
        while True:
            user_id = "usr_" + "".join(self._ids.choices(_ID_ALPHABET, k=12))
            if user_id not in self.users:
                return user_id

    def add(self, user: Entity) -> None:
        self.users[user["userId"]] = user
        self.by_email[user["email"].lower()] = user["userId"]
        bisect.insort(self.order, (user["createdAt"], user["userId"]))
        self.touch()

    def remove(self, user_id: str) -> None:
        user = self.users.pop(user_id)
        del self.by_email[user["email"].lower()]
        self.order.pop(bisect.bisect_left(self.order, (user["createdAt"], user_id)))
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
        return {"format": FORMAT, "users": [self.users[i] for _, i in self.order]}

    @classmethod
    def load(cls, document: dict[str, Any], *, id_seed: int = 0) -> World:
        if document.get("format") != FORMAT:
            raise ValueError(f"unsupported sandbox data format {document.get('format')!r}")
        world = cls(id_seed=id_seed)
        for user in document["users"]:
            world.users[user["userId"]] = user
            world.by_email[user["email"].lower()] = user["userId"]
            world.order.append((user["createdAt"], user["userId"]))
        world.order.sort()
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
            world.order.append((created, user_id))
        world.order.sort()
        return world
