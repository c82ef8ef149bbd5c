"""The Tradovate adapter: refresh with list calls, execute batches through the client, and
watch Market Data Agreement signatures on the user-data WebSocket."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from typing import ClassVar

from pydantic import SecretStr

from reconciler.manifest import Desired
from reconciler.plan import Action, Address, DesiredResource, ReadRequest, Remote
from reconciler.providers.base import (
    Batch,
    Calls,
    Capabilities,
    ItemResult,
    ProviderContext,
    WatchOptions,
    WatchSink,
)
from reconciler.providers.http import make_http_client
from reconciler.providers.keys import lower
from reconciler.providers.tradovate import operations
from reconciler.providers.tradovate.catalogue import Catalogue
from reconciler.providers.tradovate.client import TradovateClient
from reconciler.providers.tradovate.config import Credentials, Endpoints, TradovateSettings
from reconciler.providers.tradovate.lifecycle import MAX_RESET_IDS
from reconciler.providers.tradovate.limits import ACCOUNTS_PER_CREATE, RATE_LIMITS, USERS_PER_CREATE
from reconciler.providers.tradovate.models import TradovateSubscription, User, UserPlugin
from reconciler.providers.tradovate.refresh import (
    read_accounts,
    read_contacts,
    read_entitlements,
    read_users,
    subscribed,
)
from reconciler.providers.tradovate.resources import ACCOUNT, CONTACT, ENTITLEMENT, USER, expand
from reconciler.providers.tradovate.signatures import (
    CHECKED_FACT,
    SignalBook,
    iso_week,
    remember,
    remember_signature,
)
from reconciler.providers.tradovate.stream import SignatureStream, websocket_url
from reconciler.providers.tradovate.targeted import FEW_USERS, answers_alike, recorded_user_ids

_CREATE_ACCOUNTS = Calls("user/createevaluationaccounts", per_batch=1)
_REVOKE = Calls("user/revoketradingpermissions", per_batch=1)
CALLS = {
    (USER, Action.CREATE): (Calls("user/createevaluationusers", per_batch=1),),
    (USER, Action.UPDATE): (
        Calls("user/modifyemailaddress", per_item=1, changing="email"),
        Calls("user/modifypassword", per_item=1, changing="password"),
        Calls("user/addtradovatesubscription", per_item=1, changing="subscription_plan"),
    ),
    (USER, Action.CANCEL): (Calls("user/canceleverything", per_batch=2),),
    (CONTACT, Action.CREATE): (Calls("contactinfo/updatecontactinfo", per_item=1),),
    (CONTACT, Action.UPDATE): (Calls("contactinfo/updatecontactinfo", per_item=1),),
    (ACCOUNT, Action.CREATE): (_CREATE_ACCOUNTS,),
    (ACCOUNT, Action.UPDATE): (Calls("useraccountautoliq/updateuserautoliqs", per_batch=1),),
    (ACCOUNT, Action.RESET): (Calls("account/resetdemoaccountstate", per_batch=1),),
    (ACCOUNT, Action.REPLACE): (_REVOKE, _CREATE_ACCOUNTS),
    (ACCOUNT, Action.CANCEL): (_REVOKE,),
    (ENTITLEMENT, Action.ENTITLE): (
        Calls("userplugin/addentitlementsubscription", per_item=1),
        Calls("adminalertsignal/completealertsignal", per_item=1),
    ),
    (ENTITLEMENT, Action.WAIT): (Calls("userplugin/addentitlementsubscription", per_item=1),),
    (ENTITLEMENT, Action.CANCEL): (Calls("userplugin/changepluginpermission", per_item=1),),
}
"""Requests one execute makes per (kind, action), for the plan's duration estimate."""


class TradovateAdapter:
    """Maps Tradovate resources to partner-API calls. Holds no state but a per-run catalogue."""

    name: ClassVar[str] = "tradovate"
    capabilities: ClassVar[Capabilities] = Capabilities(
        kinds=(USER, CONTACT, ACCOUNT, ENTITLEMENT),
        actions={
            USER: frozenset({Action.CREATE, Action.UPDATE, Action.CANCEL}),
            CONTACT: frozenset({Action.CREATE, Action.UPDATE, Action.CANCEL}),
            ACCOUNT: frozenset(
                {Action.CREATE, Action.UPDATE, Action.RESET, Action.REPLACE, Action.CANCEL}
            ),
            ENTITLEMENT: frozenset({Action.ENTITLE, Action.CANCEL}),
        },
        batch_sizes={
            (USER, Action.CREATE): USERS_PER_CREATE.value,
            (USER, Action.CANCEL): 500,
            (ACCOUNT, Action.CREATE): ACCOUNTS_PER_CREATE.value,
            (ACCOUNT, Action.UPDATE): 100,
            (ACCOUNT, Action.RESET): MAX_RESET_IDS,
            (ACCOUNT, Action.REPLACE): 100,
            (ACCOUNT, Action.CANCEL): 100,
            (USER, Action.UPDATE): 25,
            (CONTACT, Action.CREATE): 25,
            (CONTACT, Action.UPDATE): 25,
            (CONTACT, Action.CANCEL): 500,
            (ENTITLEMENT, Action.ENTITLE): 25,
            (ENTITLEMENT, Action.WAIT): 25,
            (ENTITLEMENT, Action.CANCEL): 25,
        },
        parents={CONTACT: USER, ACCOUNT: USER, ENTITLEMENT: USER},
        watch_kinds=(ENTITLEMENT,),
        rate_limits=RATE_LIMITS,
        calls=CALLS,
    )

    def __init__(
        self,
        client: TradovateClient,
        settings: TradovateSettings,
        *,
        on_close: Callable[[], None] | None = None,
        websocket: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._settings = settings
        self._book = SignalBook()
        self._alert_id: int | None = None
        self._catalogue = Catalogue(client, settings, self._book)
        self._on_close = on_close
        self._websocket = websocket
        self._clock = clock

    def expand(self, desired: Desired) -> Sequence[DesiredResource]:
        return expand(desired)

    def read(self, requests: Sequence[ReadRequest]) -> Mapping[Address, Remote]:
        """One list call per entity family needed; signals only while a signature is awaited."""
        if not requests:
            return {}
        self._new_run()
        users = {lower(u.name): u for u in self._client.list_users()}
        client = self._client
        return self._read(requests, users, client.list_subscriptions, client.list_user_plugins)

    def read_few(self, requests: Sequence[ReadRequest]) -> Mapping[Address, Remote]:
        """`read` for the objects of a few recorded traders: their users, subscriptions and
        plugins by id rather than the firm's whole lists. Falls back to `read` when that
        cannot answer alike: a user not recorded or not found under its recorded id and
        name, an e-mail change to check against every user, accounts, or too many users."""
        if not requests:
            return {}
        ids = recorded_user_ids(requests)
        if ids is None or len(ids) > FEW_USERS:
            return self.read(requests)
        self._new_run()
        users = {lower(u.name): u for u in self._client.users_by_id(sorted(ids.values()))}
        if not answers_alike(requests, users, ids):
            return self.read(requests)
        held = sorted(u.id for u in users.values())
        return self._read(
            requests,
            users,
            lambda: self._client.subscriptions_of(held),
            lambda: self._client.user_plugins_of(held),
        )

    def _new_run(self) -> None:
        # A new run: list answers cached by an earlier plan of a long-lived adapter are stale
        # (the checked MDA alert id is kept: admin alerts do not come and go).
        self._catalogue = Catalogue(
            self._client, self._settings, self._book, alert_id=self._alert_id
        )

    def _read(
        self,
        requests: Sequence[ReadRequest],
        users: Mapping[str, User],
        subscriptions: Callable[[], Sequence[TradovateSubscription]],
        plugins: Callable[[], Sequence[UserPlugin]],
    ) -> dict[Address, Remote]:
        by_kind: dict[str, list[ReadRequest]] = defaultdict(list)
        for request in requests:
            by_kind[request.address.kind].append(request)
        if any(r.natural_key not in users for r in by_kind[USER]):
            self._catalogue.plan_id()  # a create is coming: fail now if the plan name is wrong
        found: dict[Address, Remote] = {}
        held = self._held_plan(by_kind[USER], users, subscriptions)
        found.update(read_users(by_kind[USER], users, plan=held))
        found.update(read_contacts(self._client, by_kind[CONTACT], users))
        if by_kind[ACCOUNT]:
            found.update(read_accounts(self._client, self._catalogue, by_kind[ACCOUNT], users))
        if by_kind[ENTITLEMENT]:
            # a wrong MDA alert id would wait forever: fail now
            self._alert_id = self._catalogue.alert_id()
            week = iso_week(self._clock())
            entitlements, signers, probed = read_entitlements(
                self._catalogue, by_kind[ENTITLEMENT], by_kind[USER], users, week, plugins
            )
            found.update(entitlements)
            if any(
                r.desired is not None and not _granted(found, r) for r in by_kind[ENTITLEMENT]
            ):  # an entitlement request is coming: a wrong live data account fails now
                self._catalogue.live_data_account_id()
            for trader in signers:
                remember_signature(found, Address(USER, trader))
            for trader in probed:
                remember(found, Address(USER, trader), CHECKED_FACT, week)
        return found

    def _held_plan(
        self,
        requests: Sequence[ReadRequest],
        users: Mapping[str, User],
        subscriptions: Callable[[], Sequence[TradovateSubscription]],
    ) -> tuple[str, set[int]] | None:
        """The firm's plan and who holds it, when one is declared and a declared user exists."""
        name = self._settings.subscription_plan
        if name is None or not any(r.natural_key in users for r in requests):
            return None
        plan_id = self._catalogue.plan_id()
        assert plan_id is not None
        return name, subscribed(subscriptions(), plan_id)

    def execute(self, batch: Batch) -> Sequence[ItemResult]:
        return operations.execute(self._client, self._catalogue, batch)

    def watch(self, sink: WatchSink, *, stop: threading.Event, options: WatchOptions) -> None:
        """Report Market Data Agreement signatures from the user-data WebSocket until `stop`."""
        stream = SignatureStream(
            url=self._websocket,
            client=self._client,
            alert_id=self._settings.alert_id,
            book=self._book,
            clock=self._clock,
        )
        stream.run(sink, stop=stop, options=options)

    def close(self) -> None:
        self._client.close()
        if self._on_close is not None:
            self._on_close()


def _granted(found: Mapping[Address, Remote], request: ReadRequest) -> bool:
    remote = found.get(request.address)
    return remote is not None and remote.remote_id is not None


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
        pacer=context.pacer(TradovateAdapter.name, RATE_LIMITS),
    )
    return TradovateAdapter(
        client,
        settings,
        on_close=stack.close,
        websocket=websocket_url(live_url),
        clock=context.clock,
    )
