"""The sandbox's world: wire-shaped entities, their indexes, the id counter and the JSON file form.

Entities are the JSON objects the API returns (camelCase). What the API never shows (password
and sec hashes, first/last names given at creation, the MDA flag) lives in `private` by user id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reconciler.providers.tradovate.sandbox.wire_fields import AUTOLIQ_FIELDS, FAMILIES

Entity = dict[str, Any]

FORMAT = 1


def _link(index: dict[int, list[int]], key: int, value: int) -> None:
    index.setdefault(key, []).append(value)


def _unlink(index: dict[int, list[int]], key: int, value: int) -> None:
    values = index.get(key)
    if values is not None and value in values:
        values.remove(value)


class World:
    """All entities by id plus the indexes every request uses; one instance per sandbox.

    Invariants: each index agrees with the entity maps; `open_account_by_name` holds exactly the
    non-closed accounts; `revision` grows on every mutation (the gateway saves when it moved).
    """

    def __init__(self, *, organization: Entity, next_id: int, market_data_plan_id: int) -> None:
        self.organization = organization
        self.next_id = next_id
        self.market_data_plan_id = market_data_plan_id
        self.revision = 0
        self.private: dict[int, Entity] = {}
        self.pre_trade_risk: dict[int, Any] = {}
        self.template_ids: set[int] = set()
        self.users: dict[int, Entity] = {}
        self.contacts: dict[int, Entity] = {}
        self.accounts: dict[int, Entity] = {}
        self.live_accounts: dict[int, Entity] = {}  # LIVE's `account/list`: firms' _DATA accounts
        self.permissions: dict[int, Entity] = {}
        self.autoliqs: dict[int, Entity] = {}
        self.plugins: dict[int, Entity] = {}
        self.subscriptions: dict[int, Entity] = {}
        self.market_data: dict[int, Entity] = {}
        self.plans: dict[int, Entity] = {}
        self.entitlements: dict[int, Entity] = {}
        self.alerts: dict[int, Entity] = {}
        self.signals: dict[int, Entity] = {}
        self.risk_statuses: dict[int, Entity] = {}  # by account id (see sandbox.risk)
        self.user_by_name: dict[str, int] = {}
        self.user_by_email: dict[str, int] = {}
        self.open_account_by_name: dict[str, int] = {}
        self.contact_by_user: dict[int, int] = {}
        self.permissions_by_user: dict[int, list[int]] = {}
        self.permissions_by_account: dict[int, list[int]] = {}
        self.plugins_by_user: dict[int, list[int]] = {}
        self.subscriptions_by_user: dict[int, list[int]] = {}
        self.market_data_by_user: dict[int, list[int]] = {}
        self.signals_by_alert: dict[int, list[int]] = {}

    def new_id(self) -> int:
        """The next id from the one counter all new entities share."""
        self.next_id += 1
        return self.next_id - 1

    def touch(self) -> None:
        """Note a mutation (the gateway persists after requests that made one)."""
        self.revision += 1

    def user_named(self, name: object) -> Entity | None:
        """The user whose name equals `name` ignoring case."""
        found = self.user_by_name.get(str(name).lower())
        return None if found is None else self.users[found]

    def organization_of(self, user_id: object) -> int | None:
        """The organisation id of a user (None when there is no such user)."""
        user = self.users.get(user_id) if isinstance(user_id, int) else None
        return None if user is None else int(user.get("organizationId") or 0)

    def display_name(self, user_id: int) -> str:
        """`First Last` from the contact info, else from the names given at creation."""
        contact = self.contacts.get(self.contact_by_user.get(user_id, -1))
        source = contact if contact is not None else self.private.get(user_id, {})
        return f"{source.get('firstName') or ''} {source.get('lastName') or ''}".strip()

    def add_user(self, user: Entity, private: Entity) -> None:
        """Add a user with its private data (hashes, names at creation, flags)."""
        self.users[user["id"]] = user
        self.private[user["id"]] = private
        self.user_by_name[user["name"].lower()] = user["id"]
        self.user_by_email[user["email"].lower()] = user["id"]
        self.touch()

    def set_user_email(self, user_id: int, email: str) -> None:
        """Change a user's e-mail, keeping the e-mail index right."""
        user = self.users[user_id]
        self.user_by_email.pop(user["email"].lower(), None)
        user["email"] = email
        self.user_by_email[email.lower()] = user_id
        self.touch()

    def remove_user(self, user_id: int) -> None:
        """Remove a user with its contact, plugins, subscriptions and trading permissions;
        accounts left without an active permission are closed, as after a revocation."""
        user = self.users.pop(user_id)
        self.private.pop(user_id, None)
        self.user_by_name.pop(user["name"].lower(), None)
        self.user_by_email.pop(user["email"].lower(), None)
        contact_id = self.contact_by_user.pop(user_id, None)
        if contact_id is not None:
            self.contacts.pop(contact_id, None)
        for entities, index in (
            (self.plugins, self.plugins_by_user),
            (self.subscriptions, self.subscriptions_by_user),
            (self.market_data, self.market_data_by_user),
        ):
            for entity_id in index.pop(user_id, []):
                entities.pop(entity_id, None)
        for permission_id in self.permissions_by_user.pop(user_id, []):
            account_id = self.permissions.pop(permission_id)["accountId"]
            _unlink(self.permissions_by_account, account_id, permission_id)
            if not self.has_active_permission(account_id):
                self.set_account_closed(account_id, closed=True)
        self.touch()

    def has_active_permission(self, account_id: int) -> bool:
        """Whether some trading permission on the account is not revoked."""
        return any(
            self.permissions[i]["status"] != "Revoked"
            for i in self.permissions_by_account.get(account_id, [])
        )

    def put_contact(self, contact: Entity) -> None:
        """Add or replace the contact info of `contact["userId"]`."""
        self.contacts[contact["id"]] = contact
        self.contact_by_user[contact["userId"]] = contact["id"]
        self.touch()

    def add_account(self, account: Entity, *, template: bool = False) -> None:
        """Add an account (a `template` one may be named in createevaluationaccounts)."""
        self.accounts[account["id"]] = account
        if not account.get("closed"):
            self.open_account_by_name[account["name"].upper()] = account["id"]
        if template:
            self.template_ids.add(account["id"])
        self.touch()

    def set_account_closed(self, account_id: int, *, closed: bool) -> bool:
        """Close or reopen; reopening fails (False) while another open account has the name."""
        account = self.accounts[account_id]
        key = account["name"].upper()
        holder = self.open_account_by_name.get(key)
        if closed:
            if holder == account_id:
                del self.open_account_by_name[key]
        elif holder not in (None, account_id):
            return False
        else:
            self.open_account_by_name[key] = account_id
        account["closed"] = closed
        self.touch()
        return True

    def remove_account(self, account_id: int) -> None:
        """Remove an account with its trading permissions, auto-liq and pre-trade risk."""
        self.set_account_closed(account_id, closed=True)
        del self.accounts[account_id]
        self.template_ids.discard(account_id)
        self.autoliqs.pop(account_id, None)
        self.pre_trade_risk.pop(account_id, None)
        for permission_id in self.permissions_by_account.pop(account_id, []):
            permission = self.permissions.pop(permission_id)
            _unlink(self.permissions_by_user, permission["userId"], permission_id)
        self.touch()

    def add_permission(self, permission: Entity) -> None:
        """Add a trading permission, indexed by its user and its account."""
        self.permissions[permission["id"]] = permission
        _link(self.permissions_by_user, permission["userId"], permission["id"])
        _link(self.permissions_by_account, permission["accountId"], permission["id"])
        self.touch()

    def add_owned(self, family: str, entity: Entity) -> None:
        """Add a plugin, subscription or market-data subscription (indexed by its userId)."""
        entities, index = self._owned(family)
        entities[entity["id"]] = entity
        _link(index, entity["userId"], entity["id"])
        self.touch()

    def _owned(self, family: str) -> tuple[dict[int, Entity], dict[int, list[int]]]:
        return {
            "plugins": (self.plugins, self.plugins_by_user),
            "subscriptions": (self.subscriptions, self.subscriptions_by_user),
            "market_data": (self.market_data, self.market_data_by_user),
        }[family]

    def add_signal(self, signal: Entity) -> None:
        """Add an admin alert signal, indexed by its admin alert."""
        self.signals[signal["id"]] = signal
        _link(self.signals_by_alert, signal["adminAlertId"], signal["id"])
        self.touch()

    def dump(self, *, with_hashes: bool) -> Entity:
        """The whole world as one JSON document (hashes only when `with_hashes`)."""
        private = {
            str(user_id): {k: v for k, v in data.items() if with_hashes or not k.endswith("Hash")}
            for user_id, data in self.private.items()
        }
        document: Entity = {
            "format": FORMAT,
            "nextId": self.next_id,
            "marketDataPlanId": self.market_data_plan_id,
            "organization": self.organization,
            "private": private,
            "preTradeRisk": {str(k): v for k, v in self.pre_trade_risk.items()},
            "templateAccountIds": sorted(self.template_ids),
        }
        for attribute, key in FAMILIES:
            document[key] = list(getattr(self, attribute).values())
        return document

    @classmethod
    def load(cls, document: Entity) -> World:
        """Rebuild a world (and every index) from `dump(with_hashes=True)` output."""
        if document.get("format") != FORMAT:
            raise ValueError(f"unsupported sandbox world format {document.get('format')!r}")
        world = cls(
            organization=document["organization"],
            next_id=int(document["nextId"]),
            market_data_plan_id=int(document.get("marketDataPlanId", 0)),
        )
        private = {int(k): v for k, v in document.get("private", {}).items()}
        templates = set(document.get("templateAccountIds", []))
        for user in document.get("users", []):
            world.add_user(user, private.get(user["id"], {}))
        for contact in document.get("contactInfos", []):
            world.put_contact(contact)
        for account in document.get("accounts", []):
            world.add_account(account, template=account["id"] in templates)
        for permission in document.get("tradingPermissions", []):
            world.add_permission(permission)
        for family, key in (
            ("plugins", "userPlugins"),
            ("subscriptions", "tradovateSubscriptions"),
            ("market_data", "marketDataSubscriptions"),
        ):
            for entity in document.get(key, []):
                world.add_owned(family, entity)
        for signal in document.get("adminAlertSignals", []):
            world.add_signal(signal)
        world.autoliqs = _by_id(document.get("userAccountAutoLiqs", []))
        world.plans = _by_id(document.get("tradovateSubscriptionPlans", []))
        world.entitlements = _by_id(document.get("entitlements", []))
        world.live_accounts = _by_id(document.get("liveAccounts", []))
        world.alerts = _by_id(document.get("adminAlerts", []))
        world.risk_statuses = _by_id(document.get("accountRiskStatuses", []))
        world.pre_trade_risk = {int(k): v for k, v in document.get("preTradeRisk", {}).items()}
        world.revision = 0
        return world


def _by_id(entities: Iterable[Entity]) -> dict[int, Entity]:
    return {entity["id"]: entity for entity in entities}


__all__ = ["AUTOLIQ_FIELDS", "FORMAT", "Entity", "World"]
