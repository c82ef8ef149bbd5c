"""The Tradervue adapter: refresh with the one `GET /users` list call, execute batches through
the client, and open the adapter for the configured environment."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from typing import ClassVar

from pydantic import SecretStr

from reconciler.errors import PlanConflict
from reconciler.manifest.models import Desired
from reconciler.plan.action import Action
from reconciler.plan.address import Address
from reconciler.plan.resource import DesiredResource, ReadRequest, Remote
from reconciler.providers.base import Batch, Calls, Capabilities, ItemResult, ProviderContext
from reconciler.providers.http import make_http_client
from reconciler.providers.tradervue import operations
from reconciler.providers.tradervue.client import TradervueClient
from reconciler.providers.tradervue.config import Credentials, TradervueSettings
from reconciler.providers.tradervue.limits import RATE_LIMITS
from reconciler.providers.tradervue.models import User
from reconciler.providers.tradervue.resources import USER, expand


class TradervueAdapter:
    """Maps `tradervue_user` resources to users-API calls; holds no state.

    `manager` is the organisation manager's username: the platform lists that account too,
    and reconciler refuses to manage it (a cancel would downgrade the manager).
    """

    name: ClassVar[str] = "tradervue"
    capabilities: ClassVar[Capabilities] = Capabilities(
        kinds=(USER,),
        actions={USER: frozenset({Action.CREATE, Action.UPDATE, Action.CANCEL})},
        batch_sizes={
            (USER, Action.CREATE): 50,
            (USER, Action.UPDATE): 50,
            (USER, Action.CANCEL): 50,
        },
        cancel_notes={
            USER: "Tradervue has no delete: the account is moved to the Free plan and kept"
        },
        rate_limits=RATE_LIMITS,  # none documented (limits.py)
        calls={
            (USER, Action.CREATE): (Calls("POST /users", per_item=1),),
            (USER, Action.UPDATE): (
                Calls("PUT /users/{id}", per_item=1),
                Calls("GET /users/{id}", per_item=1),
            ),
            (USER, Action.CANCEL): (Calls("PUT /users/{id}", per_item=1),),
        },
    )

    def __init__(
        self,
        client: TradervueClient,
        *,
        manager: str,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._client = client
        self._manager = manager.lower()
        self._on_close = on_close

    def expand(self, desired: Desired) -> Sequence[DesiredResource]:
        return expand(desired)

    def read(self, requests: Sequence[ReadRequest]) -> Mapping[Address, Remote]:
        """One list call; a recorded user is found by id (so a username change is an update),
        anything else by lower-cased username."""
        if not requests:
            return {}
        users = self._client.list_users()
        by_id = {str(user.id): user for user in users}
        by_name = {user.username.lower(): user for user in users}
        found: dict[Address, Remote] = {}
        for request in requests:
            user = None
            if request.recorded is not None:
                user = by_id.get(request.recorded.remote_id)
            if user is None and request.natural_key:
                user = by_name.get(request.natural_key)
            if user is None:
                continue
            if user.username.lower() == self._manager:
                raise PlanConflict(
                    f"{request.address}: {user.username} is the Tradervue organization manager; "
                    "reconciler never manages that account (give the trader another username)"
                )
            found[request.address] = _remote(request.address, user)
        return found

    def execute(self, batch: Batch) -> Sequence[ItemResult]:
        return operations.execute(self._client, batch)

    def close(self) -> None:
        self._client.close()
        if self._on_close is not None:
            self._on_close()


def _remote(address: Address, user: User) -> Remote:
    """What the platform shows; password, trial end and settings are write-only."""
    attributes = {"username": user.username, "email": user.email, "plan": user.plan}
    return Remote(address, str(user.id), attributes)


def open_adapter(settings: TradervueSettings, context: ProviderContext) -> TradervueAdapter:
    """An adapter for the configured environment; `sandbox` starts an embedded emulator whose
    data persists under the context's sandbox directory, and stops it on close."""
    stack = ExitStack()
    credentials = settings.credentials
    base_url = settings.base_url
    if base_url is None:
        from reconciler.providers.tradervue.sandbox import (
            DEFAULT_MANAGER,
            SandboxConfig,
            serve_sandbox,
        )

        server = stack.enter_context(
            serve_sandbox(SandboxConfig(data_path=context.sandbox_dir / "tradervue.json"))
        )
        base_url = server.base_url
        if credentials is None:
            username, password = DEFAULT_MANAGER
            credentials = Credentials(username=username, password=SecretStr(password))
    assert credentials is not None  # the settings model requires them off the sandbox
    client = TradervueClient(
        http=stack.enter_context(make_http_client(base_url, timeout=context.timeout)),
        credentials=credentials,
        clock=context.clock,
        sleep=context.sleep,
        pacer=context.pacer(TradervueAdapter.name, TradervueAdapter.capabilities.rate_limits),
    )
    return TradervueAdapter(client, manager=credentials.username, on_close=stack.close)
