"""TraderPalAdapter against the sandbox: what a refresh sees (verification waits included) and
how each (kind, action) batch maps to calls, with per-item errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from reconciler.errors import PlanConflict, ProviderError, ProviderUnavailable
from reconciler.manifest.models import Trader
from reconciler.plan.action import Action, Change
from reconciler.plan.address import Address
from reconciler.plan.resource import DesiredResource, ReadRequest, Recorded, Remote
from reconciler.providers.base import Batch, BatchItem
from reconciler.providers.traderpal.adapter import (
    WAITING_FOR_VERIFICATION,
    TraderPalAdapter,
    by_email,
)
from reconciler.providers.traderpal.client import TraderPalClient
from reconciler.providers.traderpal.config import TraderPalTrader
from reconciler.providers.traderpal.models import User
from reconciler.providers.traderpal.resources import USER, VERIFICATION, trader_resources
from reconciler.providers.traderpal.sandbox import DEFAULT_API_KEY, SandboxServer
from tests.providers.traderpal.conftest import Admin, Clock, unique_email


@pytest.fixture
def sent(
    sandbox: SandboxServer, admin: Admin, clock: Clock
) -> Iterator[tuple[TraderPalAdapter, list[tuple[str, Any]]]]:
    """An adapter whose requests are recorded as (method, JSON body)."""
    seen: list[tuple[str, Any]] = []

    def record(request: httpx.Request) -> None:
        seen.append((request.method, json.loads(request.content) if request.content else None))

    http = httpx.Client(base_url=sandbox.base_url, event_hooks={"request": [record]})
    client = TraderPalClient(
        http=http, api_key=SecretStr(DEFAULT_API_KEY), clock=clock, sleep=clock.sleep
    )
    adapter = TraderPalAdapter(client)
    yield adapter, seen
    adapter.close()


@pytest.fixture
def adapter(sent: tuple[TraderPalAdapter, list[tuple[str, Any]]]) -> TraderPalAdapter:
    return sent[0]


def resources(name: str = "alice", **block: Any) -> tuple[DesiredResource, DesiredResource]:
    trader = Trader(
        name=name,
        username=f"{name}.smith",
        email=unique_email(name).replace(name, name.title(), 1),
        first_name=name.title(),
        last_name="Smith",
    )
    values = {"date_of_birth": "1990-01-01", "country": "US", "phone": "+15551234567", **block}
    user, verification = trader_resources(trader, TraderPalTrader.model_validate(values))
    return user, verification


def item(
    resource: DesiredResource,
    action: Action,
    *,
    changed: tuple[str, ...] = (),
    before: dict[str, Any] | None = None,
    remote_id: str | None = None,
    ids: dict[Address, str] | None = None,
) -> BatchItem:
    change = Change(
        resource.address, action, before, dict(resource.attributes), changed, remote_id=remote_id
    )
    return BatchItem(change, resource, ids=ids or {})


def created(adapter: TraderPalAdapter, user: DesiredResource) -> str:
    (result,) = adapter.execute(Batch(USER, Action.CREATE, (item(user, Action.CREATE),)))
    assert result.ok, result.error
    assert result.remote_id is not None
    return result.remote_id


def verified_user(
    adapter: TraderPalAdapter, admin: Admin
) -> tuple[DesiredResource, DesiredResource, str]:
    """A user created and then verified on the platform: its resources and its id."""
    user, verification = resources()
    user_id = created(adapter, user)
    admin.post(f"/users/{user_id}/activate")
    return user, verification, user_id


def recorded(resource: DesiredResource, remote_id: str, key: str | None = None) -> Recorded:
    return Recorded(
        resource.address,
        remote_id,
        dict(resource.attributes),
        natural_key=key or resource.natural_key,
    )


def read(
    adapter: TraderPalAdapter, *pairs: tuple[DesiredResource, Recorded | None]
) -> dict[Address, Remote]:
    requests = [ReadRequest(r.address, r.natural_key, rec) for r, rec in pairs]
    return dict(adapter.read(requests))


# --- read ----------------------------------------------------------------------------------


def test_read_of_nothing_makes_no_call(adapter: TraderPalAdapter, admin: Admin) -> None:
    assert adapter.read([]) == {}
    assert admin.calls() == []


def test_a_missing_user_is_absent_and_its_verification_a_wait(
    adapter: TraderPalAdapter,
) -> None:
    user, verification = resources()
    found = read(adapter, (user, None), (verification, None))
    assert found == {
        verification.address: Remote(
            verification.address,
            None,
            blocked=f"{WAITING_FOR_VERIFICATION} (the user is not created yet)",
        )
    }
    again = read(adapter, (verification, recorded(verification, "usr_gone12345")))
    assert again[verification.address].blocked == (
        f"{WAITING_FOR_VERIFICATION} (the user is not created yet)"
    )


def test_a_pending_user_shows_its_profile_but_not_its_status(
    adapter: TraderPalAdapter, admin: Admin
) -> None:
    user, verification = resources()
    user_id = created(adapter, user)
    admin.post("/requests/clear")
    found = read(adapter, (user, None), (verification, None))
    remote = found[user.address]
    assert remote.remote_id == user_id
    assert dict(remote.attributes) == {k: v for k, v in user.attributes.items() if k != "status"}
    assert set(remote.deferred) == {"status"}
    assert remote.facts == {"verification": "pending"}
    assert found[verification.address] == Remote(
        verification.address, None, blocked=WAITING_FOR_VERIFICATION
    )
    followed = read(adapter, (verification, recorded(verification, user_id)))
    assert followed[verification.address] == Remote(
        verification.address, None, blocked=WAITING_FOR_VERIFICATION
    )
    assert admin.calls() == ["GET /v1/users", "GET /v1/users"]
    assert all(r["query"].startswith("limit=1000&") for r in admin.requests())


def test_a_pending_user_shown_as_recorded_is_the_recorded_mapping_status_and_all(
    adapter: TraderPalAdapter,
) -> None:
    """The status a pending user does not show is the recorded one, as a plan reads it anyway
    (a value not shown is taken from state): one mapping for both in an unchanged firm."""
    user, _ = resources()
    user_id = created(adapter, user)
    alike = recorded(user, user_id)
    other = Recorded(user.address, user_id, {**user.attributes, "country": "GB"})

    (same,) = read(adapter, (user, alike)).values()
    (changed,) = read(adapter, (user, other)).values()

    assert same.attributes is alike.attributes
    assert same.remote_id is alike.remote_id
    assert set(same.deferred) == {"status"}
    assert dict(changed.attributes) == {k: v for k, v in user.attributes.items() if k != "status"}


def test_facts_alike_the_recorded_ones_are_the_recorded_mapping(
    adapter: TraderPalAdapter,
) -> None:
    user, _ = resources()
    user_id = created(adapter, user)
    pending = Recorded(user.address, user_id, {}, {"verification": "pending"})
    verified = Recorded(user.address, user_id, {}, {"verification": "verified"})

    (same,) = read(adapter, (user, pending)).values()
    (other,) = read(adapter, (user, verified)).values()

    assert same.facts is pending.facts  # one mapping for both in an unchanged firm
    assert other.facts == {"verification": "pending"}


def test_a_verified_user_and_verification_alike_the_recorded_ones_are_the_recorded_mappings(
    adapter: TraderPalAdapter, admin: Admin
) -> None:
    user, verification, user_id = verified_user(adapter, admin)
    user_alike = recorded(user, user_id)
    user_other = Recorded(user.address, user_id, {**user.attributes, "country": "GB"})
    verified = Recorded(verification.address, user_id, {"verified": True})

    same = read(adapter, (user, user_alike), (verification, verified))
    changed = read(adapter, (user, user_other), (verification, None))

    assert same[user.address].attributes is user_alike.attributes  # one mapping for both
    assert same[verification.address].attributes is verified.attributes
    assert changed[user.address].attributes == user.attributes  # as the platform has it
    assert changed[verification.address].attributes == {"verified": True}


def test_a_verified_user_shows_its_status_and_its_verification_exists(
    adapter: TraderPalAdapter, admin: Admin
) -> None:
    user, verification, user_id = verified_user(adapter, admin)
    found = read(
        adapter, (user, recorded(user, user_id)), (verification, recorded(verification, user_id))
    )
    assert found[user.address].attributes["status"] == "active"
    assert found[user.address].facts == {"verification": "verified"}
    assert found[verification.address] == Remote(verification.address, user_id, {"verified": True})


def test_a_closed_user_shows_closed_and_an_unverified_one_keeps_waiting(
    adapter: TraderPalAdapter, admin: Admin
) -> None:
    user, verification = resources()
    user_id = created(adapter, user)
    admin.post(f"/users/{user_id}/update", {"status": "closed"})
    found = read(
        adapter, (user, recorded(user, user_id)), (verification, recorded(verification, user_id))
    )
    assert found[user.address].attributes["status"] == "closed"
    assert found[verification.address].blocked == (
        f"{WAITING_FOR_VERIFICATION} (the user is closed)"
    )


def test_a_new_email_says_the_trader_must_verify_again(adapter: TraderPalAdapter) -> None:
    _, verification = resources()
    old = recorded(verification, "usr_old123456", key="old@example.com")
    found = read(adapter, (verification, old))
    assert found[verification.address].blocked == (
        f"{WAITING_FOR_VERIFICATION} again: a new user replaces usr_old123456, which gets closed "
        "(state stops recording the verification with it)"
    )


def test_a_new_email_reads_the_recorded_user_so_that_it_is_replaced(
    adapter: TraderPalAdapter,
) -> None:
    old, _ = resources()
    old_id = created(adapter, old)
    new, _ = resources()
    remote = read(adapter, (new, recorded(old, old_id)))[new.address]
    assert remote.remote_id == old_id
    assert remote.attributes["email"] == old.natural_key


def test_an_email_held_by_another_open_user_is_a_conflict(adapter: TraderPalAdapter) -> None:
    mine, _ = resources()
    mine_id = created(adapter, mine)
    theirs, _ = resources("bob")
    theirs_id = created(adapter, theirs)
    wanted = DesiredResource(mine.address, {**mine.attributes, "email": theirs.natural_key},
                             theirs.natural_key)  # fmt: skip
    with pytest.raises(PlanConflict, match=f"another TraderPal Connect user \\({theirs_id}\\)"):
        read(adapter, (wanted, recorded(mine, mine_id)))


def test_an_email_taken_over_after_the_recorded_user_was_closed_is_that_user(
    adapter: TraderPalAdapter, admin: Admin
) -> None:
    mine, _ = resources()
    mine_id = created(adapter, mine)
    admin.post(f"/users/{mine_id}/update", {"status": "closed", "email": unique_email("old")})
    again_id = created(adapter, mine)
    remote = read(adapter, (mine, recorded(mine, mine_id)))[mine.address]
    assert remote.remote_id == again_id


def test_remote_drift_is_read_as_the_platform_has_it(
    adapter: TraderPalAdapter, admin: Admin
) -> None:
    user, _ = resources()
    user_id = created(adapter, user)
    admin.post(f"/users/{user_id}/update", {"lastName": "Jones", "phoneNumber": None})
    remote = read(adapter, (user, recorded(user, user_id)))[user.address]
    assert (remote.attributes["last_name"], remote.attributes["phone"]) == ("Jones", None)


def test_by_email_prefers_an_open_user_over_a_closed_one() -> None:
    def user(user_id: str, status: str) -> User:
        return User(user_id=user_id, email="A@example.com", status=status)

    found = by_email([user("usr_closed", "closed"), user("usr_open", "active")])
    assert found["a@example.com"].user_id == "usr_open"
    found = by_email([user("usr_open", "active"), user("usr_closed", "closed")])
    assert found["a@example.com"].user_id == "usr_open"


# --- execute -------------------------------------------------------------------------------


def test_create_reports_each_item_and_lets_the_rest_land(
    adapter: TraderPalAdapter, admin: Admin
) -> None:
    alice, _ = resources("alice")
    duplicate = DesiredResource(
        Address(USER, "bob"), {**alice.attributes, "first_name": "Bob"}, alice.natural_key
    )
    underage, _ = resources("carol", date_of_birth="2015-01-01")
    dave, _ = resources("dave")
    batch = Batch(
        USER,
        Action.CREATE,
        tuple(item(r, Action.CREATE) for r in (alice, duplicate, underage, dave)),
    )
    results = adapter.execute(batch)
    assert [(str(r.address), r.ok) for r in results] == [
        ("traderpal_user.alice", True),
        ("traderpal_user.bob", False),
        ("traderpal_user.carol", False),
        ("traderpal_user.dave", True),
    ]
    assert results[0].facts == {"verification": "pending"}
    assert results[1].error == "email_exists: a user with this email already exists"
    assert results[2].error is not None
    assert results[2].error.startswith("invalid_user_data: the user must be at least 18")
    assert admin.user(alice.natural_key)["userId"] == results[0].remote_id


def test_a_suspended_trader_is_suspended_at_once_when_the_platform_activates_on_create(
    adapter: TraderPalAdapter, admin: Admin
) -> None:
    admin.post("/settings", {"auto_activate": True})
    user, _ = resources(status="suspended")
    created(adapter, user)
    assert admin.user(user.natural_key)["status"] == "suspended"


def test_update_sends_only_the_changed_attributes(
    sent: tuple[TraderPalAdapter, list[tuple[str, Any]]],
) -> None:
    adapter, seen = sent
    user, _ = resources(phone="+15550000000")
    user_id = created(adapter, user)
    (result,) = adapter.execute(
        Batch(
            USER, Action.UPDATE, (item(user, Action.UPDATE, changed=("phone",), remote_id=user_id),)
        )
    )
    assert result.ok
    assert seen[-1] == ("PATCH", {"phoneNumber": "+15550000000"})


def test_update_of_a_closed_user_is_refused_without_a_call(
    adapter: TraderPalAdapter, admin: Admin
) -> None:
    user, _ = resources()
    change = item(
        user, Action.UPDATE, changed=("status",), before={"status": "closed"}, remote_id="usr_x1"
    )
    (result,) = adapter.execute(Batch(USER, Action.UPDATE, (change,)))
    assert not result.ok
    assert result.error is not None
    assert "closed user cannot be reopened" in result.error
    assert "e-mail stays reserved" in result.error
    assert admin.calls() == []


def test_suspending_a_pending_user_is_a_per_item_error(adapter: TraderPalAdapter) -> None:
    user, _ = resources(status="suspended")
    user_id = created(adapter, user)
    change = item(user, Action.UPDATE, changed=("status",), remote_id=user_id)
    (result,) = adapter.execute(Batch(USER, Action.UPDATE, (change,)))
    assert (result.ok, result.error) == (
        False,
        "invalid_state_transition: cannot change status from pending_verification to suspended",
    )


def test_replace_closes_the_old_user_then_creates_the_new_one(
    adapter: TraderPalAdapter, admin: Admin
) -> None:
    old, _ = resources()
    old_id = created(adapter, old)
    new = DesiredResource(
        old.address, {**old.attributes, "email": unique_email("new")}, unique_email("key")
    )
    admin.post("/requests/clear")
    change = item(new, Action.REPLACE, changed=("email",), remote_id=old_id)
    (result,) = adapter.execute(Batch(USER, Action.REPLACE, (change,)))
    assert result.ok
    assert result.remote_id not in (None, old_id)
    assert admin.calls() == [f"PATCH /v1/users/{old_id}", "POST /v1/users"]
    assert admin.user(old.natural_key)["status"] == "closed"
    assert admin.user(new.attributes["email"])["status"] == "pending_verification"


def test_replace_to_a_reserved_email_says_the_old_user_was_closed(
    adapter: TraderPalAdapter,
) -> None:
    taken, _ = resources("bob")
    created(adapter, taken)
    old, _ = resources()
    old_id = created(adapter, old)
    new = DesiredResource(old.address, {**old.attributes, "email": taken.natural_key}, "k")
    change = item(new, Action.REPLACE, changed=("email",), remote_id=old_id)
    (result,) = adapter.execute(Batch(USER, Action.REPLACE, (change,)))
    assert not result.ok
    assert result.error is not None
    assert result.error.startswith(f"the old user {old_id} was closed, but creating")
    assert "email_exists" in result.error


@pytest.mark.parametrize("state", ["pending", "closed", "gone"])
def test_cancel_closes_the_user_and_a_closed_or_gone_one_is_fine(
    adapter: TraderPalAdapter, admin: Admin, state: str
) -> None:
    user, _ = resources()
    user_id = created(adapter, user)
    if state == "closed":
        admin.post(f"/users/{user_id}/update", {"status": "closed"})
    if state == "gone":
        admin.post(f"/users/{user_id}/delete")
    change = Change(user.address, Action.CANCEL, {}, None, remote_id=user_id)
    (result,) = adapter.execute(Batch(USER, Action.CANCEL, (BatchItem(change),)))
    assert (result.ok, result.error) == (True, None)
    if state != "gone":
        assert admin.user(user.natural_key)["status"] == "closed"


def test_a_verified_trader_is_recorded_without_a_call(
    adapter: TraderPalAdapter, admin: Admin
) -> None:
    _, verification, user_id = verified_user(adapter, admin)
    admin.post("/requests/clear")
    found = read(adapter, (verification, None))
    assert found[verification.address] == Remote(verification.address, user_id, {"verified": True})
    record = item(verification, Action.UPDATE, remote_id=user_id)
    (result,) = adapter.execute(Batch(VERIFICATION, Action.UPDATE, (record,)))
    assert (result.ok, result.remote_id) == (True, user_id)
    assert admin.calls() == ["GET /v1/users"]


def test_an_unsupported_action_fails_the_whole_batch(adapter: TraderPalAdapter) -> None:
    _, verification = resources()
    with pytest.raises(ProviderError, match="create is not supported"):
        adapter.execute(Batch(VERIFICATION, Action.CREATE, (item(verification, Action.CREATE),)))


def test_an_unknown_outcome_fails_the_whole_batch(adapter: TraderPalAdapter, admin: Admin) -> None:
    admin.post("/faults", {"method": "POST", "status": 503, "after_processing": True})
    user, _ = resources()
    with pytest.raises(ProviderUnavailable):
        adapter.execute(Batch(USER, Action.CREATE, (item(user, Action.CREATE),)))
