"""The TraderPal Connect adapter: refresh by paging through the user list, execute batches."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from typing import Any, ClassVar

from pydantic import SecretStr

from reconciler.errors import PlanConflict
from reconciler.manifest import Desired
from reconciler.plan import (
    Action,
    Address,
    DesiredResource,
    ReadRequest,
    Remote,
    held_alike,
    shown_as_recorded,
)
from reconciler.providers.base import Batch, Calls, Capabilities, ItemResult, ProviderContext
from reconciler.providers.http import make_http_client
from reconciler.providers.keys import lower
from reconciler.providers.traderpal import operations
from reconciler.providers.traderpal.client import TraderPalClient
from reconciler.providers.traderpal.config import TraderPalSettings
from reconciler.providers.traderpal.limits import RATE_LIMITS
from reconciler.providers.traderpal.models import User
from reconciler.providers.traderpal.resources import USER, VERIFICATION, expand

WAITING_FOR_VERIFICATION = "waiting for the trader to verify their identity"
_USER_BATCH = 50
"""Users per execute call: each is one HTTP call, so this only bounds journal granularity."""


class TraderPalAdapter:
    """Maps TraderPal resources to users-API calls. Holds no state but the client."""

    name: ClassVar[str] = "traderpal"
    capabilities: ClassVar[Capabilities] = Capabilities(
        kinds=(USER, VERIFICATION),
        actions={
            USER: frozenset({Action.CREATE, Action.UPDATE, Action.REPLACE, Action.CANCEL}),
            VERIFICATION: frozenset({Action.UPDATE, Action.CANCEL}),
        },
        batch_sizes={
            (USER, Action.CREATE): _USER_BATCH,
            (USER, Action.UPDATE): _USER_BATCH,
            (USER, Action.REPLACE): _USER_BATCH,
            (USER, Action.CANCEL): _USER_BATCH,
            (VERIFICATION, Action.UPDATE): 1000,
            (VERIFICATION, Action.CANCEL): 1000,
        },
        parents={VERIFICATION: USER},
        followed=frozenset({VERIFICATION}),
        cancel_notes={
            USER: "TraderPal Connect has no delete: the user is closed for good and its e-mail "
            "stays reserved"
        },
        rate_limits=RATE_LIMITS,  # none documented (limits.py)
        calls={
            (USER, Action.CREATE): (Calls("POST /v1/users", per_item=1),),
            (USER, Action.UPDATE): (Calls("PATCH /v1/users/{id}", per_item=1),),
            (USER, Action.REPLACE): (
                Calls("PATCH /v1/users/{id}", per_item=1),
                Calls("POST /v1/users", per_item=1),
            ),
            (USER, Action.CANCEL): (Calls("PATCH /v1/users/{id}", per_item=1),),
        },
    )

    def __init__(
        self, client: TraderPalClient, *, on_close: Callable[[], None] | None = None
    ) -> None:
        self._client = client
        self._on_close = on_close

    def expand(self, desired: Desired) -> Sequence[DesiredResource]:
        return expand(desired)

    def read(self, requests: Sequence[ReadRequest]) -> Mapping[Address, Remote]:
        """One pass over the user list (1000 a page), matched by lower-cased e-mail, else (for
        a recorded user whose e-mail the manifests changed) by its recorded id."""
        if not requests:
            return {}
        listed = self._client.list_users()
        users, ids = by_email(listed), {user.user_id: user for user in listed}
        found: dict[Address, Remote] = {}
        for request in requests:
            if request.address.kind == USER:
                user = user_of(request, users, ids)
                if user is not None and is_reopening(request, user):
                    found[request.address] = Remote(
                        request.address, None, blocked=CLOSED_BLOCK.format(id=user.user_id)
                    )
                elif user is not None:
                    found[request.address] = remote_user(request, user)
            elif request.address.kind == VERIFICATION:
                user = users.get(request.natural_key)
                found[request.address] = remote_verification(request, user)
        return found

    def execute(self, batch: Batch) -> Sequence[ItemResult]:
        return operations.execute(self._client, batch)

    def close(self) -> None:
        self._client.close()
        if self._on_close is not None:
            self._on_close()


CLOSED_BLOCK = (
    "blocked: TraderPal Connect user {id} with this e-mail is closed, and a closed user "
    "cannot be reopened (its e-mail stays reserved); give the trader a new e-mail (a new user "
    "is created) or remove the trader's traderpal block"
)


def is_reopening(request: ReadRequest, user: User) -> bool:
    """Whether the manifests want an open user where the platform has a closed one with the
    same e-mail: the platform refuses every change to it, so the plan shows it blocked."""
    desired = request.desired
    return (
        user.status == "closed"
        and desired is not None
        and desired.attributes.get("status") != "closed"
        and user.email.lower() == request.natural_key
    )


def by_email(users: Sequence[User]) -> dict[str, User]:
    """Users by lower-cased e-mail; should several share one, an open one wins over a closed."""
    found: dict[str, User] = {}
    for user in users:
        key = lower(user.email)
        if key not in found or found[key].status == "closed":
            found[key] = user
    return found


def user_of(
    request: ReadRequest, users: Mapping[str, User], ids: Mapping[str, User]
) -> User | None:
    """The user with the request's e-mail; else, when the manifests gave the trader a new
    e-mail, the recorded user (its old e-mail then plans a replace: the platform cannot change
    an e-mail). An e-mail held by another open user than the recorded one is a conflict."""
    user = users.get(request.natural_key)
    recorded = None if request.recorded is None else ids.get(request.recorded.remote_id)
    if user is None:
        return recorded
    if recorded is not None and recorded.user_id != user.user_id and recorded.status != "closed":
        raise PlanConflict(
            f"{request.address}: {request.natural_key} is the e-mail of another TraderPal "
            f"Connect user ({user.user_id}) than the trader's ({recorded.user_id}); give the "
            "trader another e-mail"
        )
    return user


_SHOWN = (
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("date_of_birth", "date_of_birth"),
    ("country", "country"),
    ("phone", "phone_number"),
)
"""Attribute and User field of what a user shows when its answer carried it."""


def remote_user(request: ReadRequest, user: User) -> Remote:
    """The user in the desired attributes' shape. While it is pending verification its status
    is not shown: the status the firm wants applies once verified (the verification waits).
    Its attributes are the recorded ones when it shows them so, its facts when alike (one
    mapping for both)."""
    address = request.address
    attributes: dict[str, Any] = {"email": lower(user.email)}
    shown = user.shown_fields  # what `user.shown` tells, read once for all five fields
    for name, field in _SHOWN:
        if field in shown:
            attributes[name] = getattr(user, field)
    facts = held_alike(operations.facts_of(user), request.recorded_facts)
    remote_id = request.same_id(user.user_id)
    pending = user.status is None or user.status == "pending_verification"
    if not pending:
        attributes["status"] = user.status
    alike = shown_as_recorded(attributes, request.recorded_attributes)  # pending: status recorded
    if pending and not _is_status_as_recorded(request):
        return Remote(address, remote_id, alike, facts=facts, deferred=_PENDING)
    return request.shown(remote_id, alike, facts)  # the record itself when it is so


def _is_status_as_recorded(request: ReadRequest) -> bool:
    """Whether the manifests want the status state recorded (no change of it to defer)."""
    desired, recorded = request.desired, request.recorded_attributes
    if desired is None or recorded is None or "status" not in recorded:
        return False
    return bool(desired.attributes.get("status") == recorded["status"])


_PENDING = {
    "status": "TraderPal Connect changes a user's status only once the trader has verified "
    "their identity (planned then)"
}


def remote_verification(request: ReadRequest, user: User | None) -> Remote:
    """It exists once the platform shows the trader verified (then state records it, with no
    call); until then the plan shows a wait, whether or not it was recorded before."""
    address = request.address
    if user is not None and user.is_verified:
        shown = shown_as_recorded({"verified": True}, request.recorded_attributes)
        return Remote(address, request.same_id(user.user_id), shown)
    if user is None:
        recorded = request.recorded
        old_key = None if recorded is None else recorded.natural_key
        if recorded is not None and old_key and old_key != request.natural_key:
            why = (
                f"again: a new user replaces {recorded.remote_id}, which gets closed (state "
                "stops recording the verification with it)"
            )
        else:
            why = "(the user is not created yet)"
        return Remote(address, None, blocked=f"{WAITING_FOR_VERIFICATION} {why}")
    if user.status == "closed":
        return Remote(address, None, blocked=f"{WAITING_FOR_VERIFICATION} (the user is closed)")
    return Remote(address, None, blocked=WAITING_FOR_VERIFICATION)


def open_adapter(settings: TraderPalSettings, context: ProviderContext) -> TraderPalAdapter:
    """An adapter for the configured host; `sandbox` starts an embedded emulator whose data
    persists under the context's sandbox directory (a given api_key is accepted there too),
    and stops it on close."""
    stack = ExitStack()
    api_key = settings.api_key
    if settings.environment == "sandbox":
        from reconciler.providers.traderpal.sandbox import (
            DEFAULT_API_KEY,
            Permission,
            SandboxConfig,
            serve_sandbox,
        )

        keys: dict[str, Permission] = {DEFAULT_API_KEY: "write"}
        if api_key is not None:
            keys[api_key.get_secret_value()] = "write"
        config = SandboxConfig(api_keys=keys, data_path=context.sandbox_dir / "traderpal.json")
        base_url = stack.enter_context(serve_sandbox(config)).base_url
        api_key = api_key or SecretStr(DEFAULT_API_KEY)
    else:
        base_url = settings.environment.base_url
    assert api_key is not None  # the settings model requires one off the sandbox
    client = TraderPalClient(
        http=stack.enter_context(make_http_client(base_url, timeout=context.timeout)),
        api_key=api_key,
        clock=context.clock,
        sleep=context.sleep,
        pacer=context.pacer(TraderPalAdapter.name, TraderPalAdapter.capabilities.rate_limits),
    )
    return TraderPalAdapter(client, on_close=stack.close)
