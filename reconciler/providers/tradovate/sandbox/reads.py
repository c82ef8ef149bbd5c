"""The sandbox's read verbs (`list`, `item`, `items`, `find`, `deps`, `ldeps`) for every entity
family, built from one table of where each family lives, how it is indexed and which user owns
an entity (a caller sees only what users of its own organisation own; catalogues are shared)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter

from reconciler.providers.sandbox.reply import Reply
from reconciler.providers.tradovate.limits import IDS_PER_ITEMS, MASTER_IDS_PER_LDEPS
from reconciler.providers.tradovate.sandbox.protocol import (
    BOTH,
    LIVE,
    ONLY_DEMO,
    ONLY_LIVE,
    Call,
    Endpoint,
    Handler,
    id_list,
    int_or_none,
    not_found,
    ok,
)
from reconciler.providers.tradovate.sandbox.world import Entity, World

MAX_MASTER_IDS = MASTER_IDS_PER_LDEPS.value
"""Assumed (see limits.py): no document states it."""
MAX_ITEM_IDS = IDS_PER_ITEMS.value
"""Assumed (see limits.py): beyond it the platform was seen to answer 404 with an empty body."""

Store = Callable[[World], dict[int, Entity]]
Finder = Callable[[World, str], Entity | None]
Dependents = Callable[[World, int], list[Entity]]
Owner = Callable[[World, Entity], object]
"""The user owning an entity (None: a catalogue entry every caller sees)."""


@dataclass(frozen=True, slots=True)
class Family:
    """One entity family: its path segment, store, domains and optional find/deps lookups."""

    segment: str
    store: Store
    domains: frozenset[str]
    find: Finder | None = None
    deps: Dependents | None = None
    has_list: bool = True
    owner: Owner | None = None
    live_store: Store | None = None
    """The family's store on LIVE when LIVE holds other entities than DEMO (accounts: the
    firms' LIVE `_DATA` accounts there, evaluation accounts on DEMO)."""

    def entities(self, call: Call) -> dict[int, Entity]:
        """The store the call's domain serves."""
        if self.live_store is not None and call.domain == LIVE:
            return self.live_store(call.world)
        return self.store(call.world)

    def visible(self, call: Call, entities: Iterable[Entity]) -> list[Entity]:
        """The entities the caller's organisation may see."""
        if self.owner is None:
            return list(entities)
        mine = call.organization  # `call.owns`, with the caller's organisation looked up once
        if mine is None:
            return []
        owner, world = self.owner, call.world
        organization_of = world.organization_of
        return [e for e in entities if organization_of(owner(world, e)) == mine]


def _indexed(store: str, index: str) -> Dependents:
    """Dependents of a master id found through one of the world's `<family>_by_<master>` indexes."""
    return lambda world, master: [
        getattr(world, store)[i] for i in getattr(world, index).get(master, [])
    ]


def _find_account(world: World, name: str) -> Entity | None:
    found = world.open_account_by_name.get(name.upper())
    return None if found is None else world.accounts[found]


def _find_named(store: Store) -> Finder:
    def find(world: World, name: str) -> Entity | None:
        wanted = name.lower()
        return next((e for e in store(world).values() if e["name"].lower() == wanted), None)

    return find


def _contact_of(world: World, user_id: int) -> list[Entity]:
    contact_id = world.contact_by_user.get(user_id)
    return [] if contact_id is None else [world.contacts[contact_id]]


def _autoliq_of(world: World, account_id: int) -> list[Entity]:
    autoliq = world.autoliqs.get(account_id)
    return [] if autoliq is None else [autoliq]


LIMIT_IDS = 1000
"""Position limits and risk parameters are kept with their account (as created); their ids are
derived from it: `account id * LIMIT_IDS + position` (the sandbox's choice, assumed)."""


def _position_limits(world: World) -> dict[int, Entity]:
    """`userAccountPositionLimit` entities: the pre-trade risk rules an account was created with,
    without their parameters (listed by `userAccountRiskParameter`)."""
    found = {}
    for account_id, rules in world.pre_trade_risk.items():
        for index, rule in enumerate(rules or []):
            limit_id = account_id * LIMIT_IDS + index + 1
            fields = {k: v for k, v in rule.items() if k != "parameters"}
            found[limit_id] = {"id": limit_id, **fields, "accountId": account_id}
    return found


def _risk_parameters(world: World) -> dict[int, Entity]:
    """`userAccountRiskParameter` entities of every position limit."""
    found = {}
    for limit_id, rule in _rules(world):
        for index, parameter in enumerate(rule.get("parameters") or []):
            parameter_id = limit_id * LIMIT_IDS + index + 1
            found[parameter_id] = {
                "id": parameter_id,
                **parameter,
                "userAccountPositionLimitId": limit_id,
                "accountId": limit_id // LIMIT_IDS,
            }
    return found


def _rules(world: World) -> list[tuple[int, Entity]]:
    return [
        (account_id * LIMIT_IDS + index + 1, rule)
        for account_id, rules in world.pre_trade_risk.items()
        for index, rule in enumerate(rules or [])
    ]


def _limit_owner(world: World, entity: Entity) -> object:
    account = world.accounts.get(entity["accountId"])
    return None if account is None else account.get("userId")


def _organization(world: World) -> dict[int, Entity]:
    return {world.organization["id"]: world.organization}


def _by(key: str) -> Owner:
    return lambda world, entity: entity.get(key)


def _account_owner(world: World, entity: Entity) -> object:
    account = world.accounts.get(entity["id"])
    return None if account is None else account.get("userId")


def _families() -> tuple[Family, ...]:
    users, contacts, accounts = attrgetter("users"), attrgetter("contacts"), attrgetter("accounts")
    plans, alerts = attrgetter("plans"), attrgetter("alerts")
    by_user = _by("userId")
    return (
        Family("user", users, ONLY_LIVE, find=World.user_named, owner=_by("id")),
        Family("contactinfo", contacts, ONLY_LIVE, deps=_contact_of, has_list=False,
               owner=by_user),
        Family("account", accounts, BOTH, find=_find_account, owner=by_user,
               live_store=attrgetter("live_accounts")),
        Family("tradingpermission", attrgetter("permissions"), ONLY_DEMO,
               deps=_indexed("permissions", "permissions_by_user"), owner=by_user),
        Family("useraccountautoliq", attrgetter("autoliqs"), ONLY_DEMO, deps=_autoliq_of,
               owner=_account_owner),
        Family("useraccountpositionlimit", _position_limits, ONLY_DEMO, owner=_limit_owner),
        Family("useraccountriskparameter", _risk_parameters, ONLY_DEMO, owner=_limit_owner),
        Family("entitlement", attrgetter("entitlements"), ONLY_LIVE),
        Family("userplugin", attrgetter("plugins"), ONLY_LIVE,
               deps=_indexed("plugins", "plugins_by_user"), owner=by_user),
        Family("adminalert", alerts, ONLY_LIVE, find=_find_named(alerts)),
        Family("adminalertsignal", attrgetter("signals"), ONLY_LIVE, has_list=False,
               owner=_by("relatedToUserId")),
        Family("tradovatesubscriptionplan", plans, BOTH, find=_find_named(plans)),
        Family("tradovatesubscription", attrgetter("subscriptions"), BOTH,
               deps=_indexed("subscriptions", "subscriptions_by_user"), owner=by_user),
        Family("marketdatasubscription", attrgetter("market_data"), ONLY_LIVE,
               deps=_indexed("market_data", "market_data_by_user"), owner=by_user),
        Family("organization", _organization, BOTH, find=_find_named(_organization)),
    )  # fmt: skip


def _list(family: Family) -> Handler:
    return lambda call: ok(family.visible(call, family.entities(call).values()))


def _one(family: Family, call: Call, found: Entity | None) -> Reply:
    """One entity, or 404 when there is none the caller may see."""
    shown = [] if found is None else family.visible(call, [found])
    return ok(shown[0]) if shown else not_found()


def _item(family: Family) -> Handler:
    def item(call: Call) -> Reply:
        found = family.entities(call).get(int_or_none(call.query.get("id")) or -1)
        return _one(family, call, found)

    return item


def _items(family: Family) -> Handler:
    def items(call: Call) -> Reply:
        ids = id_list(call.query.get("ids"))
        if ids is None:
            return Reply(400, {"errorText": "ids should be a comma-separated list of ids"})
        if len(ids) > MAX_ITEM_IDS:
            return not_found()
        store = family.entities(call)
        return ok(family.visible(call, (store[i] for i in ids if i in store)))

    return items


def _find(family: Family, finder: Finder) -> Handler:
    def find(call: Call) -> Reply:
        name = call.query.get("name", "")
        if family.live_store is not None and call.domain == LIVE:
            found = [e for e in family.entities(call).values() if e["name"] == name]
            return _one(family, call, found[0] if found else None)
        return _one(family, call, finder(call.world, name))

    return find


def _deps(family: Family, deps: Dependents) -> Handler:
    def handler(call: Call) -> Reply:
        master = int_or_none(call.query.get("masterid"))
        return ok([] if master is None else family.visible(call, deps(call.world, master)))

    return handler


def _ldeps(family: Family, deps: Dependents) -> Handler:
    def handler(call: Call) -> Reply:
        masters = id_list(call.query.get("masterids"))
        if masters is None:
            return Reply(400, {"errorText": "masterids should be a comma-separated list of ids"})
        if len(masters) > MAX_MASTER_IDS:
            return Reply(400, {"errorText": "Too many ids"})
        found = (entity for master in masters for entity in deps(call.world, master))
        return ok(family.visible(call, found))

    return handler


def read_endpoints() -> tuple[Endpoint, ...]:
    """Every read route of every family (the signal family's `deps` is a rule of its own)."""
    endpoints: list[Endpoint] = []
    for family in _families():
        verbs: list[tuple[str, Handler]] = [("item", _item(family)), ("items", _items(family))]
        if family.has_list:
            verbs.append(("list", _list(family)))
        if family.find is not None:
            verbs.append(("find", _find(family, family.find)))
        if family.deps is not None:
            verbs += [("deps", _deps(family, family.deps)), ("ldeps", _ldeps(family, family.deps))]
        endpoints += [
            Endpoint("GET", f"{family.segment}/{verb}", handler, family.domains)
            for verb, handler in verbs
        ]
    return tuple(endpoints)
