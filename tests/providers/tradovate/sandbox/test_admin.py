"""The sandbox's own admin API over HTTP (request log, clock, drift, world dump) and the
persistence of its world."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.providers.tradovate.sandbox import DEFAULT_ADMIN, SandboxConfig
from tests.providers.tradovate.sandbox.test_app import (
    WEDNESDAY_NOON,
    Driver,
    account,
    running,
    user,
)


@pytest.fixture
def tv() -> Iterator[Driver]:
    with running() as driver:
        yield driver


def test_the_request_log_records_every_call_without_query_or_body(tv: Driver) -> None:
    tv.admin("POST", "/requests/clear")
    tv.call("GET", "live", "/User/Find?name=Nobody")
    tv.call("GET", "demo", "/account/list", token=None)
    tv.call("POST", "live", "/user/createevaluationusers", json={"users": [user("loggy")]})
    tv.admin("POST", "/signals/archive")
    logged = [{k: v for k, v in entry.items() if k != "time"} for entry in tv.requests()]
    assert logged == [
        {"method": "GET", "domain": "live", "path": "/live/v1/user/find", "status": 404},
        {"method": "GET", "domain": "demo", "path": "/demo/v1/account/list", "status": 401},
        {
            "method": "POST",
            "domain": "live",
            "path": "/live/v1/user/createevaluationusers",
            "status": 200,
        },
        {"method": "POST", "domain": "admin", "path": "/_sandbox/signals/archive", "status": 200},
    ]
    assert "correct-horse" not in json.dumps(tv.requests())
    assert tv.requests()[0]["time"] == WEDNESDAY_NOON


def test_clearing_the_request_log_empties_it(tv: Driver) -> None:
    assert tv.requests()
    assert tv.admin("POST", "/requests/clear").json()["cleared"] >= 1
    assert tv.requests() == []


def test_clock_advance_moves_sandbox_time(tv: Driver) -> None:
    answer = tv.admin("POST", "/clock/advance", {"seconds": 5400}).json()
    assert answer["now"] == "2026-01-07T13:30:00.000Z"
    assert tv.call("GET", "live", "/user/list").status_code == 401
    assert tv.admin("POST", "/clock/advance", {"seconds": -1}).status_code == 400


def test_admin_user_update_and_delete_change_the_world(tv: Driver) -> None:
    user_id = tv.create_user("drifty")
    changed = tv.admin(
        "POST", "/users/DRIFTY/update", {"email": "new@example.com", "status": "Closed"}
    ).json()
    assert (changed["email"], changed["status"]) == ("new@example.com", "Closed")
    assert tv.live("GET", f"/user/item?id={user_id}")["email"] == "new@example.com"
    assert tv.admin("POST", f"/users/{user_id}/delete").status_code == 200
    assert tv.call("GET", "live", f"/user/item?id={user_id}").status_code == 404
    assert tv.admin("POST", "/users/drifty/sign-mda").status_code == 404


def test_deleting_a_user_closes_the_accounts_it_alone_traded(tv: Driver) -> None:
    user_id = tv.create_user("vanished")
    (created,) = tv.create_accounts(account(user_id, "ORPHAN1"))
    tv.admin("POST", "/users/vanished/delete")
    assert tv.demo("GET", f"/account/item?id={created['accountId']}")["closed"] is True
    assert tv.demo("GET", f"/tradingPermission/deps?masterid={user_id}") == []
    assert tv.call("GET", "demo", "/account/find?name=ORPHAN1").status_code == 404


def test_admin_contact_and_account_updates_simulate_drift(tv: Driver) -> None:
    user_id = tv.create_user("drift2")
    tv.create_accounts(account(user_id, "DRIFT1"))
    contact = tv.admin("POST", "/contacts/drift2/update", {"city": "Paris"}).json()
    assert tv.live("GET", f"/contactInfo/deps?masterid={user_id}") == [contact]
    tv.admin("POST", "/accounts/drift1/update", {"dailyLossAutoLiq": 900, "closed": True})
    found = tv.demo("GET", "/account/list")[-1]
    assert (found["name"], found["closed"]) == ("DRIFT1", True)
    autoliq = tv.demo("GET", f"/userAccountAutoLiq/item?id={found['id']}")
    assert autoliq["dailyLossAutoLiq"] == 900
    assert tv.admin("POST", "/accounts/DRIFT1/delete").status_code == 200
    assert tv.call("GET", "demo", f"/account/item?id={found['id']}").status_code == 404
    assert tv.admin("POST", "/accounts/drift1/update", {"bogus": 1}).status_code == 404


def test_world_dump_holds_entities_but_no_hashes(tv: Driver) -> None:
    tv.create_user("dumpy")
    world = tv.admin("GET", "/world").json()
    assert "dumpy" in {u["name"] for u in world["users"]}
    assert "Hash" not in json.dumps(world["private"])


def test_world_persists_across_restarts_without_passwords(tmp_path: Path) -> None:
    path = tmp_path / "tradovate.json"
    config = SandboxConfig(data_path=path)
    with running(config) as first:
        user_id = first.create_user("keeper", password="Keeper-Secret-42")
        first.create_accounts(account(user_id, "KEEP1"))
    stored = path.read_text()
    for secret in ("Keeper-Secret-42", DEFAULT_ADMIN[1], DEFAULT_ADMIN[2]):
        assert secret not in stored
    with running(config) as second:
        assert second.live("GET", "/user/find?name=keeper")["id"] == user_id
        assert second.demo("GET", "/account/find?name=KEEP1")["name"] == "KEEP1"
        assert second.login("keeper", "Keeper-Secret-42", sec="").json()["userId"] == user_id
        assert second.create_user("newcomer") > user_id + 2


def test_reads_do_not_rewrite_the_world_file(tmp_path: Path) -> None:
    path = tmp_path / "tradovate.json"
    with running(SandboxConfig(data_path=path)) as tv:
        tv.create_user("still")
        saved = path.stat().st_mtime_ns
        tv.live("GET", "/user/list")
        tv.live("GET", "/user/find?name=still")
        assert path.stat().st_mtime_ns == saved
