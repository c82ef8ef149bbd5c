"""TradervueAdapter against the sandbox: refresh by one list call, and each operation's batch
(creates with mentors, partial updates, offboarding to Free, users that left the organisation)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from reconciler.errors import PlanConflict, ProviderError
from reconciler.plan import Action, Address, Change, DesiredResource, ReadRequest, Recorded
from reconciler.providers.base import Batch, BatchItem, ProviderContext
from reconciler.providers.http import make_http_client
from reconciler.providers.tradervue.adapter import TradervueAdapter, open_adapter
from reconciler.providers.tradervue.client import TradervueClient
from reconciler.providers.tradervue.config import Credentials, TradervueSettings
from reconciler.providers.tradervue.resources import CREATE_ONLY, USER
from reconciler.providers.tradervue.sandbox import DEFAULT_MANAGER
from tests.providers.tradervue.driver import Clock, Driver, running


@pytest.fixture(scope="module")
def tv() -> Iterator[Driver]:
    with running() as driver:
        yield driver


@pytest.fixture
def adapter(tv: Driver) -> Iterator[TradervueAdapter]:
    clock = Clock()
    client = TradervueClient(
        http=make_http_client(tv.server.base_url),
        credentials=Credentials(
            username=DEFAULT_MANAGER[0], password=SecretStr(DEFAULT_MANAGER[1])
        ),
        clock=clock,
        sleep=clock.sleep,
    )
    opened = TradervueAdapter(client, manager=DEFAULT_MANAGER[0])
    yield opened
    opened.close()


def address(trader: str) -> Address:
    return Address(USER, trader)


def resource(trader: str, **attributes: Any) -> DesiredResource:
    values: dict[str, Any] = {
        "username": f"{trader}.tv",
        "email": f"{trader}@example.com",
        "plan": "Silver",
        "password": SecretStr("long-enough-1"),
    }
    values.update(attributes)
    mentor = values.get("settings", {}).get("mentor")
    return DesiredResource(
        address=address(trader),
        attributes=values,
        natural_key=values["username"].lower(),
        depends_on=(address(mentor),) if mentor else (),
        sensitive=frozenset({"password"}),
        create_only=CREATE_ONLY,
    )


def create_item(desired: DesiredResource, ids: dict[Address, str] | None = None) -> BatchItem:
    change = Change(desired.address, Action.CREATE)
    return BatchItem(change, desired, None, {"password": "long-enough-1"}, ids or {})


def create(adapter: TradervueAdapter, *desired: DesiredResource) -> list[str]:
    results = adapter.execute(Batch(USER, Action.CREATE, tuple(create_item(d) for d in desired)))
    assert all(r.ok for r in results), results
    return [str(r.remote_id) for r in results]


def update_item(desired: DesiredResource, remote_id: str, *changed: str) -> BatchItem:
    change = Change(desired.address, Action.UPDATE, changed=changed, remote_id=remote_id)
    return BatchItem(change, desired, None, {"password": "long-enough-1"})


def cancel_item(trader: str, remote_id: str) -> BatchItem:
    change = Change(address(trader), Action.CANCEL, remote_id=remote_id)
    recorded = Recorded(address(trader), remote_id, {})
    return BatchItem(change, None, recorded)


# --- read ---------------------------------------------------------------------------------


def test_read_finds_users_by_username_with_one_list_call(
    adapter: TradervueAdapter, tv: Driver
) -> None:
    (user_id,) = create(adapter, resource("reader", plan="Gold"))
    tv.clear_requests()
    found = adapter.read(
        [
            ReadRequest(address("reader"), "reader.tv"),
            ReadRequest(address("ghost"), "ghost.tv"),
        ]
    )
    assert tv.requests() == [("GET", "api", "/api/v1/users", 200)]
    assert set(found) == {address("reader")}
    remote = found[address("reader")]
    assert remote.remote_id == user_id
    assert remote.attributes == {
        "username": "reader.tv",
        "email": "reader@example.com",
        "plan": "Gold",
    }


def test_read_finds_a_recorded_user_by_id_even_after_a_rename(
    adapter: TradervueAdapter, tv: Driver
) -> None:
    (user_id,) = create(adapter, resource("renamed"))
    tv.admin("POST", "/users/renamed.tv/update", {"username": "someone.else"})
    recorded = Recorded(address("renamed"), user_id, {"username": "renamed.tv"})
    found = adapter.read([ReadRequest(address("renamed"), "renamed.tv", recorded)])
    assert found[address("renamed")].attributes["username"] == "someone.else"


def test_a_user_shown_alike_the_recorded_one_is_the_recorded_mapping(
    adapter: TradervueAdapter, tv: Driver
) -> None:
    (user_id,) = create(adapter, resource("kept", plan="Gold"))
    shown = {"username": "kept.tv", "email": "kept@example.com", "plan": "Gold"}
    alike = Recorded(address("kept"), user_id, dict(shown))
    other = Recorded(address("kept"), user_id, {**shown, "plan": "Silver"})

    (same,) = adapter.read([ReadRequest(address("kept"), "kept.tv", alike)]).values()
    (changed,) = adapter.read([ReadRequest(address("kept"), "kept.tv", other)]).values()

    assert same.attributes is alike.attributes  # one mapping for both in an unchanged firm
    assert changed.attributes == shown  # a difference shows as the platform has it


def test_read_of_nothing_makes_no_call(adapter: TradervueAdapter, tv: Driver) -> None:
    tv.clear_requests()
    assert adapter.read([]) == {}
    assert tv.requests() == []


def test_the_manager_is_never_managed(adapter: TradervueAdapter) -> None:
    request = ReadRequest(address("boss"), DEFAULT_MANAGER[0])
    with pytest.raises(PlanConflict, match="organization manager"):
        adapter.read([request])


def test_a_user_that_left_the_organisation_is_not_found(
    adapter: TradervueAdapter, tv: Driver
) -> None:
    (user_id,) = create(adapter, resource("gone"))
    tv.admin("POST", "/users/gone.tv/remove")
    recorded = Recorded(address("gone"), user_id, {})
    assert adapter.read([ReadRequest(address("gone"), "gone.tv", recorded)]) == {}


# --- create -------------------------------------------------------------------------------


def test_create_sends_create_only_values_and_the_mentor_id(
    adapter: TradervueAdapter, tv: Driver
) -> None:
    (mentor_id,) = create(adapter, resource("mentor", plan="Gold"))
    mentee = resource(
        "mentee",
        trial_end="2026-03-20",
        settings={
            "merge_mode": "force_merge",
            "commission_options": "0.65",
            "mentor": "mentor",
            "charts": [{"type": "candlestick", "timeframe": "w"}],
        },
    )
    (result,) = adapter.execute(
        Batch(USER, Action.CREATE, (create_item(mentee, {address("mentor"): mentor_id}),))
    )
    assert result.ok
    debug = tv.debug("mentee.tv")
    assert debug["trial_end"] == "2026-03-20"
    assert debug["settings"] == {
        "merge_mode": "force_merge",
        "commission_options": "0.65",
        "mentor": int(mentor_id),
        "charts": [{"type": "candlestick", "timeframe": "w"}],
    }
    assert tv.api.get("/users", auth=("mentee.tv", "long-enough-1")).status_code == 403


def test_a_mentor_without_an_id_fails_only_its_mentee(adapter: TradervueAdapter) -> None:
    orphan = resource("orphan", settings={"mentor": "nobody"})
    results = adapter.execute(
        Batch(USER, Action.CREATE, (create_item(orphan), create_item(resource("sibling"))))
    )
    assert [r.ok for r in results] == [False, True]
    assert results[0].error == "mentor 'nobody' has no Tradervue user yet"


def test_a_refused_item_fails_while_the_rest_of_the_batch_lands(
    adapter: TradervueAdapter, tv: Driver
) -> None:
    taken = resource("taken", email="outsider@other-org.invalid")
    results = adapter.execute(
        Batch(
            USER,
            Action.CREATE,
            (create_item(resource("first")), create_item(taken), create_item(resource("last"))),
        )
    )
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].address == address("taken")
    assert results[1].error is not None
    assert "email has already been taken" in results[1].error
    assert "long-enough-1" not in results[1].error


def test_an_outage_mid_batch_raises_for_the_whole_call(
    adapter: TradervueAdapter, tv: Driver
) -> None:
    tv.admin("POST", "/faults", {"status": 503, "count": 1})
    with pytest.raises(ProviderError):
        adapter.execute(Batch(USER, Action.CREATE, (create_item(resource("outage")),)))


# --- update -------------------------------------------------------------------------------


def test_update_puts_only_the_changed_fields_then_reads_back(
    adapter: TradervueAdapter, tv: Driver
) -> None:
    (user_id,) = create(adapter, resource("changer"))
    tv.admin("POST", "/users/changer.tv/update", {"email": "drift@example.com", "plan": "Free"})
    tv.clear_requests()
    wanted = resource("changer", plan="Gold")
    (result,) = adapter.execute(Batch(USER, Action.UPDATE, (update_item(wanted, user_id, "plan"),)))
    assert result.ok
    assert result.remote_id == user_id
    assert tv.requests() == [
        ("PUT", "api", f"/api/v1/users/{user_id}", 200),
        ("GET", "api", f"/api/v1/users/{user_id}", 200),
    ]
    user = tv.api.get(f"/users/{user_id}").json()
    assert (user["plan"], user["email"]) == ("Gold", "drift@example.com")


def test_an_update_without_updatable_changes_makes_no_call(
    adapter: TradervueAdapter, tv: Driver
) -> None:
    (user_id,) = create(adapter, resource("quiet"))
    tv.clear_requests()
    (result,) = adapter.execute(
        Batch(USER, Action.UPDATE, (update_item(resource("quiet"), user_id),))
    )
    assert result.ok
    assert tv.requests() == []


def test_updating_a_user_that_left_the_organisation_fails_clearly(
    adapter: TradervueAdapter, tv: Driver
) -> None:
    (user_id,) = create(adapter, resource("leaving"))
    tv.admin("POST", "/users/leaving.tv/remove")
    item = update_item(resource("leaving", plan="Gold"), user_id, "plan")
    (result,) = adapter.execute(Batch(USER, Action.UPDATE, (item,)))
    assert not result.ok
    assert result.error == (
        f"user {user_id} is no longer in the organization (it left Tradervue's organization "
        "outside reconciler); the next plan creates it again"
    )


def test_a_refused_update_is_a_failed_item(adapter: TradervueAdapter) -> None:
    (user_id,) = create(adapter, resource("clash"))
    item = update_item(resource("clash", email="outsider@other-org.invalid"), user_id, "email")
    (result,) = adapter.execute(Batch(USER, Action.UPDATE, (item,)))
    assert not result.ok
    assert "email has already been taken" in str(result.error)


# --- cancel -------------------------------------------------------------------------------


def test_cancel_downgrades_to_free_and_keeps_the_account(
    adapter: TradervueAdapter, tv: Driver
) -> None:
    (user_id,) = create(adapter, resource("offboarded", plan="Gold"))
    tv.clear_requests()
    (result,) = adapter.execute(Batch(USER, Action.CANCEL, (cancel_item("offboarded", user_id),)))
    assert result.ok
    assert tv.requests() == [("PUT", "api", f"/api/v1/users/{user_id}", 200)]
    assert tv.api.get(f"/users/{user_id}").json()["plan"] == "Free"


def test_cancel_of_a_user_that_already_left_is_done(adapter: TradervueAdapter, tv: Driver) -> None:
    (user_id,) = create(adapter, resource("left-early"))
    tv.admin("POST", "/users/left-early.tv/remove")
    (result,) = adapter.execute(Batch(USER, Action.CANCEL, (cancel_item("left-early", user_id),)))
    assert result.ok


def test_an_unsupported_action_is_an_error(adapter: TradervueAdapter) -> None:
    with pytest.raises(ProviderError, match="not supported"):
        adapter.execute(Batch(USER, Action.REPLACE, ()))


def test_capabilities_declare_one_kind_with_create_update_cancel() -> None:
    caps = TradervueAdapter.capabilities
    assert caps.kinds == (USER,)
    assert caps.actions[USER] == frozenset({Action.CREATE, Action.UPDATE, Action.CANCEL})
    assert caps.batch_size(USER, Action.CREATE) > 1
    assert caps.parents == {}


# --- open_adapter -------------------------------------------------------------------------


def test_open_adapter_starts_an_embedded_sandbox_that_persists(tmp_path: Path) -> None:
    clock = Clock()
    context = ProviderContext(sandbox_dir=tmp_path, clock=clock, sleep=clock.sleep)
    adapter = open_adapter(TradervueSettings(), context)
    try:
        create(adapter, resource("embedded"))
        found = adapter.read([ReadRequest(address("embedded"), "embedded.tv")])
        assert address("embedded") in found
        assert (tmp_path / "tradervue.json").exists()
    finally:
        adapter.close()
    reopened = open_adapter(TradervueSettings(), context)
    try:
        assert address("embedded") in reopened.read(
            [ReadRequest(address("embedded"), "embedded.tv")]
        )
    finally:
        reopened.close()


def test_open_adapter_talks_to_an_explicit_base_url(tv: Driver) -> None:
    clock = Clock()
    settings = TradervueSettings.model_validate(
        {
            "environment": tv.server.environment(),
            "credentials": {"username": DEFAULT_MANAGER[0], "password": DEFAULT_MANAGER[1]},
        }
    )
    context = ProviderContext(sandbox_dir=Path("unused"), clock=clock, sleep=clock.sleep)
    adapter = open_adapter(settings, context)
    try:
        create(adapter, resource("explicit"))
        assert tv.debug("explicit.tv")["org"] == "sandbox-prop"
    finally:
        adapter.close()


def test_an_update_the_platform_did_not_keep_fails_the_item() -> None:
    """The read-back after the PUT shows what the platform really holds."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            return httpx.Response(200)
        user = {"id": 7, "username": "stubborn.tv", "email": "s@example.com", "plan": "Free"}
        return httpx.Response(200, json=user)

    clock = Clock()
    client = TradervueClient(
        http=make_http_client(
            "https://acme.tradervue.com/api/v1", transport=httpx.MockTransport(handler)
        ),
        credentials=Credentials(username="boss", password=SecretStr("pw")),
        clock=clock,
        sleep=clock.sleep,
    )
    adapter = TradervueAdapter(client, manager="boss")
    item = update_item(resource("stubborn", plan="Gold"), "7", "plan")
    (result,) = adapter.execute(Batch(USER, Action.UPDATE, (item,)))
    adapter.close()
    assert (result.ok, result.error) == (False, "the platform kept a different plan")
