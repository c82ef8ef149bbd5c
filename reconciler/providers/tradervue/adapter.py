"""The Tradervue adapter: refresh with the one `GET /users` list call, execute batches through
the client, and open the adapter for the configured environment."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

from pydantic import SecretStr

from reconciler.errors import PlanConflict
from reconciler.manifest import Desired
from reconciler.plan import (
    Action,
    Address,
    DesiredResource,
    ReadRequest,
    Remote,
    shown_as_recorded,
)
from reconciler.providers.base import Batch, Calls, Capabilities, ItemResult, ProviderContext
from reconciler.providers.conflicts import refuse_held_email
from reconciler.providers.http import make_http_client
from reconciler.providers.keys import lower
from reconciler.providers.tradervue import operations
from reconciler.providers.tradervue.client import TradervueClient
from reconciler.providers.tradervue.config import Credentials, TradervueSettings
from reconciler.providers.tradervue.limits import MAX_TRIAL_DAYS, RATE_LIMITS
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
        max_trial_days: int = MAX_TRIAL_DAYS.value,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._client = client
        self._manager = manager.lower()
        self._max_trial_days = max_trial_days
        self._today = today
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
        by_name = {lower(user.username): user for user in users}
        by_email = {lower(user.email): user for user in users}
        claimed = {r.natural_key: r.address for r in requests if r.natural_key}
        found: dict[Address, Remote] = {}
        for request in requests:
            user = None
            if request.recorded is not None:
                user = by_id.get(request.recorded.remote_id)
                check_identity(request, user, claimed)
            if user is None and request.natural_key:
                user = by_name.get(request.natural_key)
            refuse_held_email(
                request,
                own_id=user.id if user else None,
                holder_of=lambda email: (h.id, h.username) if (h := by_email.get(email)) else None,
                platform="Tradervue",
            )
            if user is None:
                if _left_organization(request):
                    assert request.recorded is not None
                    blocked = LEFT.format(id=request.recorded.remote_id, name=request.natural_key)
                    found[request.address] = Remote(request.address, None, blocked=blocked)
                else:
                    today = self._client.platform_date or self._today()
                    refuse_trial_end(request, today=today, days=self._max_trial_days)
                continue
            if user.username.lower() == self._manager:
                raise PlanConflict(
                    f"{request.address}: {user.username} is the Tradervue organization manager; "
                    "reconciler never manages that account (give the trader another username)"
                )
            found[request.address] = _remote(request, user)
        return found

    def execute(self, batch: Batch) -> Sequence[ItemResult]:
        return operations.execute(self._client, batch)

    def close(self) -> None:
        self._client.close()
        if self._on_close is not None:
            self._on_close()


LEFT = (
    "blocked: the recorded Tradervue user {id} is no longer in the organization, and Tradervue "
    "has no delete: user name {name} stays taken site-wide, so creating it again would be "
    "refused; ask Tradervue to bring that user back into the organization (the next plan "
    "then finds it), or give the trader another username"
)


def _left_organization(request: ReadRequest) -> bool:
    """A recorded user the organization no longer lists, still declared with the same user
    name: it left the organization (the platform has no delete), its user name stays taken."""
    recorded = request.recorded
    return (
        recorded is not None
        and request.desired is not None
        and (recorded.natural_key or request.natural_key) == request.natural_key
    )


def refuse_trial_end(request: ReadRequest, *, today: date, days: int) -> None:
    """Tradervue refuses (400) to create a user whose `trial_end` is not after today (UTC) or
    is more than the organization's maximum trial length ahead: a plan-time error instead."""
    text = request.desired.attributes.get("trial_end") if request.desired else None
    if not isinstance(text, str):
        return
    day = date.fromisoformat(text)
    last = today + timedelta(days=days)
    if today < day <= last:
        return
    why = "is not after" if day <= today else f"is more than {days} days after"
    raise PlanConflict(
        f"{request.address}: trial_end {text} {why} today ({today.isoformat()}, UTC); "
        "Tradervue refuses to create the user (a trial must end after today and within the "
        f"organization's maximum trial length, providers.tradervue.max_trial_days: {days}, "
        f"assumed unless set): give a date from {(today + timedelta(days=1)).isoformat()} "
        f"to {last.isoformat()}, or remove trial_end"
    )


def check_identity(request: ReadRequest, user: User | None, claimed: Mapping[str, Address]) -> None:
    """A recorded id whose user carries the user name another address declares is that
    other trader's user (an id recorded by mistake): renaming it would take it over. A user
    name nobody declares is drift of this trader's own user (renamed back by an update)."""
    recorded = request.recorded
    if user is None or recorded is None:
        return
    owner = claimed.get(user.username.lower())
    if owner is not None and owner != request.address:
        raise PlanConflict(
            f"{request.address}: state records Tradervue user {recorded.remote_id}, which is "
            f"{user.username}, the user of {owner}; fix the record with `reconciler state rm "
            f"{request.address}` (then `reconciler import` the right id, or plan a create)"
        )


def _remote(request: ReadRequest, user: User) -> Remote:
    """What the platform shows; password, trial end and settings are write-only. The recorded
    attributes when it shows them so: one mapping for both."""
    attributes = {"username": user.username, "email": user.email, "plan": user.plan}
    shown = shown_as_recorded(attributes, request.recorded_attributes)
    return request.shown(request.same_id(str(user.id)), shown)


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
            serve_sandbox(
                SandboxConfig(
                    data_path=context.sandbox_dir / "tradervue.json",
                    max_trial_days=settings.max_trial_days,
                )
            )
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
    return TradervueAdapter(
        client,
        manager=credentials.username,
        max_trial_days=settings.max_trial_days,
        today=lambda: datetime.fromtimestamp(context.clock(), UTC).date(),
        on_close=stack.close,
    )
