"""The Tradervue sandbox's world: every user of the site (all organisations), the indexes each
request uses, and the JSON file form (passwords only as salted digests).

Users are the JSON objects the API returns; what it never shows (organisation, password digest,
trial end, settings, manager flag) lives in `private` by user id.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reconciler.providers.sandbox.credentials import hash_secret
from reconciler.providers.tradervue.sandbox.config import Seed

Entity = dict[str, Any]

FORMAT = 1
PUBLIC = ("id", "username", "email", "plan", "billing_mode", "last_login")


class World:
    """All users of the site by id, plus indexes.

    Invariants: `by_username` and `by_email` (lower-cased, site-wide) agree with `users`;
    `members` holds per organisation, in ascending id order, the ids whose private `org` it is;
    `revision` grows on every mutation (the gateway saves the file when it moved).
    `organization` is the sandbox's own organisation, the default of every lookup.
    """

    def __init__(self, *, organization: str, next_id: int) -> None:
        self.organization = organization
        self.next_id = next_id
        self.revision = 0
        self.users: dict[int, Entity] = {}
        self.private: dict[int, Entity] = {}
        self.by_username: dict[str, int] = {}
        self.by_email: dict[str, int] = {}
        self.members: dict[str, dict[int, None]] = {}

    def touch(self) -> None:
        self.revision += 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def add_user(self, user: Entity, private: Entity) -> int:
        """Store a user (ids only grow, so `members` stays in ascending order)."""
        user_id = int(user["id"])
        self.users[user_id] = user
        self.private[user_id] = private
        self.by_username[user["username"].lower()] = user_id
        self.by_email[user["email"].lower()] = user_id
        org = private.get("org")
        if isinstance(org, str):
            self.members.setdefault(org, {})[user_id] = None
        self.next_id = max(self.next_id, user_id + 1)
        self.touch()
        return user_id

    def member(self, user_id: int, org: str | None = None) -> Entity | None:
        """The user when it belongs to `org` (default: the sandbox's organisation)."""
        members = self.members.get(org or self.organization, {})
        return self.users[user_id] if user_id in members else None

    def member_named(self, username: str, org: str | None = None) -> int | None:
        user_id = self.by_username.get(username.lower())
        return user_id if user_id in self.members.get(org or self.organization, {}) else None

    def list_members(self, org: str | None = None) -> Iterator[Entity]:
        members = self.members.get(org or self.organization, {})
        return (self.users[user_id] for user_id in members)

    def change(self, user_id: int, fields: Entity) -> None:
        """Set public fields, keeping the username and e-mail indexes right (a no-op change
        leaves the revision alone)."""
        user = self.users[user_id]
        changed = {k: v for k, v in fields.items() if user.get(k) != v}
        if not changed:
            return
        for key, index in (("username", self.by_username), ("email", self.by_email)):
            if key in changed:
                del index[user[key].lower()]
                index[changed[key].lower()] = user_id
        user.update(changed)
        self.touch()

    def leave(self, user_id: int) -> None:
        """The user leaves the organisation; its login (username, e-mail) stays on the site."""
        self.members.get(str(self.private[user_id].get("org")), {}).pop(user_id, None)
        self.private[user_id]["org"] = None
        self.users[user_id]["billing_mode"] = "Tradervue CC"
        self.touch()

    def dump(self, *, with_hashes: bool) -> Entity:
        """The world as JSON; password digests only for the data file, never for a reader."""
        users = []
        for user_id, user in self.users.items():
            private = self.private[user_id]
            if not with_hashes:
                private = {k: v for k, v in private.items() if k != "password_hash"}
            users.append({**user, **private})
        return {
            "format": FORMAT,
            "organization": self.organization,
            "next_id": self.next_id,
            "users": users,
        }

    @classmethod
    def load(cls, document: Entity) -> World:
        """A world from `dump(with_hashes=True)`."""
        world = cls(organization=document["organization"], next_id=int(document["next_id"]))
        for row in document["users"]:
            user = {key: row.get(key) for key in PUBLIC}
            private = {k: v for k, v in row.items() if k not in PUBLIC}
            world.add_user(user, private)
        world.revision = 0
        return world


def seeded_world(seed: Seed, *, id_start: int) -> World:
    """A world holding only the manager and the users of other organisations."""
    world = World(organization=seed.organization, next_id=id_start)
    world.add_user(
        _user(world.new_id(), seed.manager_username, seed.manager_email, seed.manager_plan),
        {
            "org": seed.organization,
            "password_hash": hash_secret(seed.manager_password),
            "is_manager": True,
        },
    )
    for outsider in seed.outsiders:
        world.add_user(
            _user(
                world.new_id(),
                outsider.username,
                outsider.email,
                outsider.plan,
                billing_mode=outsider.billing_mode,
            ),
            {"org": f"not-{seed.organization}"},
        )
    for other in seed.organizations:
        world.add_user(
            _user(world.new_id(), other.manager_username, other.manager_email, "Gold"),
            {
                "org": other.organization,
                "password_hash": hash_secret(other.manager_password),
                "is_manager": True,
            },
        )
    world.revision = 0
    return world


def _user(
    user_id: int, username: str, email: str, plan: str, *, billing_mode: str = "Managed"
) -> Entity:
    return {
        "id": user_id,
        "username": username,
        "email": email,
        "plan": plan,
        "billing_mode": billing_mode,
        "last_login": None,
    }
