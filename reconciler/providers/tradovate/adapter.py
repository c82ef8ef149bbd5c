"""The Tradovate adapter: refresh with list calls, execute batches through the client."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from typing import ClassVar

from pydantic import SecretStr

from reconciler.errors import PlanConflict
from reconciler.manifest.models import Desired
from reconciler.plan.action import Action
from reconciler.plan.address import Address
from reconciler.plan.resource import DesiredResource, ReadRequest, Remote
from reconciler.providers.base import Batch, Capabilities, ItemResult, ProviderContext, RateLimit
from reconciler.providers.http import make_http_client
from reconciler.providers.tradovate import operations
from reconciler.providers.tradovate.client import TradovateClient
from reconciler.providers.tradovate.config import (
    Credentials,
    Endpoints,
    PostTradeRisk,
    TradovateSettings,
)
from reconciler.providers.tradovate.models import AlertSignal, User
from reconciler.providers.tradovate.resources import ACCOUNT, CONTACT, ENTITLEMENT, USER, expand

_CONTACT_FIELDS = (
    "first_name", "last_name", "phone", "street_address1", "street_address2", "city", "state",
    "post_code", "country",
)  # fmt: skip
_RISK_FIELDS = tuple(PostTradeRisk.model_fields)
WAITING_FOR_SIGNATURE = "waiting for the Market Data Agreement signature"


class TradovateAdapter:
    """Maps Tradovate resources to partner-API calls. Holds no state but a per-run catalogue."""

    name: ClassVar[str] = "tradovate"
    capabilities: ClassVar[Capabilities] = Capabilities(
        kinds=(USER, CONTACT, ACCOUNT, ENTITLEMENT),
        actions={
            USER: frozenset({Action.CREATE, Action.UPDATE, Action.CANCEL}),
            CONTACT: frozenset({Action.CREATE, Action.UPDATE, Action.CANCEL}),
            ACCOUNT: frozenset({Action.CREATE, Action.UPDATE, Action.REPLACE, Action.CANCEL}),
            ENTITLEMENT: frozenset({Action.ENTITLE, Action.CANCEL}),
        },
        batch_sizes={
            (USER, Action.CREATE): 100,
            (USER, Action.CANCEL): 500,
            (ACCOUNT, Action.CREATE): 100,
            (ACCOUNT, Action.UPDATE): 100,
            (ACCOUNT, Action.REPLACE): 100,
            (ACCOUNT, Action.CANCEL): 100,
            (USER, Action.UPDATE): 25,
            (CONTACT, Action.CREATE): 25,
            (CONTACT, Action.UPDATE): 25,
            (CONTACT, Action.CANCEL): 500,
            (ENTITLEMENT, Action.ENTITLE): 25,
            (ENTITLEMENT, Action.CANCEL): 25,
        },
        parents={CONTACT: USER, ACCOUNT: USER, ENTITLEMENT: USER},
        rate_limits=(
            RateLimit("all", 5000, 3600.0),
            RateLimit("all", 5000, 60.0),
            RateLimit("user/createevaluationusers", 100, 3600.0, counts_success=False),
            RateLimit("user/createevaluationaccounts", 100, 3600.0, counts_success=False),
            RateLimit("contactinfo/updatecontactinfo", 1000, 3600.0),
            RateLimit("auth/accesstokenrequest", 5, 3600.0, counts_success=False),
        ),
    )

    def __init__(
        self,
        client: TradovateClient,
        settings: TradovateSettings,
        *,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._client = client
        self._settings = settings
        self._catalogue = operations.Catalogue(client, settings)
        self._on_close = on_close

    def expand(self, desired: Desired) -> Sequence[DesiredResource]:
        return expand(desired)

    def read(self, requests: Sequence[ReadRequest]) -> Mapping[Address, Remote]:
        """One list call per entity family needed; signals only while a signature is awaited."""
        by_kind: dict[str, list[ReadRequest]] = defaultdict(list)
        for request in requests:
            by_kind[request.address.kind].append(request)
        if not requests:
            return {}
        users = {u.name.lower(): u for u in self._client.list_users()}
        if any(r.natural_key not in users for r in by_kind[USER]):
            self._catalogue.plan_id()  # a create is coming: fail now if the plan name is wrong
        found: dict[Address, Remote] = {}
        found.update(self._read_users(by_kind[USER], users))
        found.update(self._read_contacts(by_kind[CONTACT], users))
        if by_kind[ACCOUNT]:
            found.update(self._read_accounts(by_kind[ACCOUNT], users))
        if by_kind[ENTITLEMENT]:
            found.update(self._read_entitlements(by_kind[ENTITLEMENT], by_kind[USER], users))
        return found

    def execute(self, batch: Batch) -> Sequence[ItemResult]:
        return operations.execute(self._client, self._catalogue, batch)

    def close(self) -> None:
        self._client.close()
        if self._on_close is not None:
            self._on_close()

    def _read_users(
        self, requests: Sequence[ReadRequest], users: Mapping[str, User]
    ) -> dict[Address, Remote]:
        found = {}
        for request in requests:
            user = users.get(request.natural_key)
            if user is not None:
                attributes = {"username": user.name, "email": user.email}
                found[request.address] = Remote(request.address, str(user.id), attributes)
        return found

    def _read_contacts(
        self, requests: Sequence[ReadRequest], users: Mapping[str, User]
    ) -> dict[Address, Remote]:
        ids = {users[r.natural_key].id: r for r in requests if r.natural_key in users}
        if not ids:
            return {}
        found = {}
        for contact in self._client.list_contacts(sorted(ids)):
            request = ids.get(contact.user_id)
            if request is not None:
                attributes = {f: getattr(contact, f) for f in _CONTACT_FIELDS}
                found[request.address] = Remote(request.address, str(contact.user_id), attributes)
        return found

    def _read_accounts(
        self, requests: Sequence[ReadRequest], users: Mapping[str, User]
    ) -> dict[Address, Remote]:
        accounts = self._catalogue.accounts()
        live = {a.name: a for a in accounts if not a.closed}
        if not any(r.natural_key.partition("/")[2] in live for r in requests):
            return {}  # none exists yet: permissions and risk settings need not be read
        permissions = {
            (p.account_id, p.user_id): p
            for p in self._client.list_trading_permissions()
            if p.status != "Revoked"
        }
        risks = {r.id: r for r in self._client.list_auto_liqs()}
        found = {}
        for request in requests:
            user_key, _, name = request.natural_key.partition("/")
            account = live.get(name)
            user = users.get(user_key)
            if account is None:
                continue
            if user is None or (account.id, user.id) not in permissions:
                raise PlanConflict(
                    f"{request.address}: account {account.name} exists on Tradovate but is not "
                    "traded by this trader; rename the account in the manifests"
                )
            risk = risks.get(account.id)
            values = {} if risk is None else risk.model_dump(include=set(_RISK_FIELDS))
            attributes = {
                "name": account.name,
                "post_trade_risk": {k: v for k, v in values.items() if v is not None},
            }
            facts = {"trading_permission_id": permissions[(account.id, user.id)].id}
            found[request.address] = Remote(
                request.address, str(account.id), attributes, facts=facts
            )
        return found

    def _read_entitlements(
        self,
        requests: Sequence[ReadRequest],
        user_requests: Sequence[ReadRequest],
        users: Mapping[str, User],
    ) -> dict[Address, Remote]:
        """Entitled, or waiting for the signature; a signature seen once is remembered in
        the user's facts, because the platform archives signals every week."""
        if not any(r.natural_key.partition("/")[0] in users for r in requests):
            return {
                r.address: Remote(
                    r.address, None, blocked=f"{WAITING_FOR_SIGNATURE} (user not created yet)"
                )
                for r in requests
            }
        plugins = {
            (p.user_id, p.entitlement_id): p for p in self._client.list_user_plugins() if p.approval
        }
        remembered = {
            r.address.trader
            for r in user_requests
            if r.recorded is not None and r.recorded.facts.get("mda_signed")
        }
        found: dict[Address, Remote] = {}
        awaiting: list[tuple[ReadRequest, User]] = []
        for request in requests:
            key, _, entitlement = request.natural_key.partition("/")
            user = users.get(key)
            plugin = None if user is None else plugins.get((user.id, int(entitlement)))
            address = request.address
            if plugin is not None:
                attributes = {"entitlement": address.child, "entitlement_id": int(entitlement)}
                found[address] = Remote(
                    address, str(plugin.id), attributes, facts={"plugin_name": plugin.plugin_name}
                )
            elif user is None:
                found[address] = Remote(
                    address, None, blocked=f"{WAITING_FOR_SIGNATURE} (user not created yet)"
                )
            elif address.trader not in remembered:
                awaiting.append((request, user))
        signed = _signers(self._catalogue.signals()) if awaiting else set()
        for request, user in awaiting:
            if user.id in signed:
                _remember_signature(found, Address(USER, request.address.trader))
            else:
                found[request.address] = Remote(
                    request.address, None, blocked=WAITING_FOR_SIGNATURE
                )
        return found


def _remember_signature(found: dict[Address, Remote], address: Address) -> None:
    """Add the `mda_signed` fact to the user's remote object (state keeps it on apply)."""
    remote = found.get(address)
    if remote is not None:
        found[address] = Remote(
            address, remote.remote_id, remote.attributes, facts={**remote.facts, "mda_signed": True}
        )


def _signers(signals: Sequence[AlertSignal]) -> set[int]:
    """Users with a Market Data Agreement signature signal this week."""
    return {s.related_to_user_id for s in signals if s.related_to_user_id is not None}


ENDPOINTS = {
    "production": ("https://live.tradovateapi.com/v1", "https://demo.tradovateapi.com/v1"),
    "staging": (
        "https://live-api.staging.ninjatrader.dev/v1",
        "https://demo-api.staging.ninjatrader.dev/v1",
    ),
}


def open_adapter(settings: TradovateSettings, context: ProviderContext) -> TradovateAdapter:
    """An adapter for the configured environment; `sandbox` starts an embedded emulator whose
    data persists under the context's sandbox directory, and stops it on close."""
    stack = ExitStack()
    credentials = settings.credentials
    if settings.environment == "sandbox":
        from reconciler.providers.tradovate.sandbox import (
            DEFAULT_ADMIN,
            SandboxConfig,
            serve_sandbox,
        )

        server = stack.enter_context(
            serve_sandbox(SandboxConfig(data_path=context.sandbox_dir / "tradovate.json"))
        )
        live_url, demo_url = server.live_url, server.demo_url
        if credentials is None:
            name, password, sec = DEFAULT_ADMIN
            credentials = Credentials(name=name, password=SecretStr(password), sec=SecretStr(sec))
    elif isinstance(settings.environment, Endpoints):
        live_url, demo_url = settings.environment.live_url, settings.environment.demo_url
    else:
        live_url, demo_url = ENDPOINTS[settings.environment]
    assert credentials is not None  # the settings model requires them off the sandbox
    client = TradovateClient(
        live=stack.enter_context(make_http_client(live_url, timeout=context.timeout)),
        demo=stack.enter_context(make_http_client(demo_url, timeout=context.timeout)),
        credentials=credentials,
        clock=context.clock,
        sleep=context.sleep,
    )
    return TradovateAdapter(client, settings, on_close=stack.close)
