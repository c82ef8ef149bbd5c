"""The Tradervue sandbox's admin API (the outside world, faults, clock, request log, world dump),
its persistence, and its speed with 100,000 users."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.providers.json_file import write_json_atomic
from reconciler.providers.sandbox.credentials import hash_secret as hash_password
from reconciler.providers.tradervue.sandbox import DEFAULT_MANAGER, SandboxConfig, SandboxRateLimit
from tests.providers.tradervue.driver import MANAGER_ID, MONDAY, Clock, Driver, running


@pytest.fixture
def tv() -> Iterator[Driver]:
    with running() as driver:
        yield driver


def test_remove_takes_the_user_out_of_the_organisation_but_keeps_its_login(tv: Driver) -> None:
    user_id = tv.create("leaver")
    assert tv.admin("POST", "/users/LEAVER/remove").json() == {"removed": user_id}
    assert tv.api.get(f"/users/{user_id}").status_code == 404
    assert tv.api.put(f"/users/{user_id}", json={"plan": "Free"}).status_code == 404
    assert user_id not in [u["id"] for u in tv.api.get("/users").json()["users"]]
    answer = tv.api.post(
        "/users",
        json={
            "username": "leaver",
            "email": "leaver@example.com",
            "plan": "Free",
            "password": "secret-1",
        },
    )
    assert answer.json()["error"] == (
        "Invalid request: username has already been taken, email has already been taken"
    )
    assert tv.admin("POST", "/users/leaver/remove").status_code == 404


def test_create_adds_a_member_outside_reconciler_by_the_api_rules(tv: Driver) -> None:
    body = {"username": "Walkin", "email": "walkin@example.com", "plan": "silver"}
    made = tv.admin("POST", "/users/create", body).json()
    taken = tv.admin("POST", "/users/create", {**body, "plan": "Platinum"})

    listed = {u["username"]: u for u in tv.api.get("/users").json()["users"]}
    assert listed["Walkin"] == {k: made[k] for k in listed["Walkin"]}
    assert (made["plan"], made["billing_mode"], made["org"]) == (
        "Silver",
        "Managed",
        "sandbox-prop",
    )
    assert "password_hash" not in made
    assert taken.status_code == 400
    assert taken.json()["error"].startswith("Invalid request: username has already been taken")
    assert "plan" in taken.json()["error"]
    assert tv.admin("POST", "/users/create", {"username": "x"}).status_code == 400


def test_update_changes_a_user_outside_reconciler(tv: Driver) -> None:
    user_id = tv.create("drifter")
    body = {"email": "moved@example.com", "plan": "free", "username": "drifted"}
    changed = tv.admin("POST", "/users/drifter/update", body).json()
    assert (changed["email"], changed["plan"], changed["username"]) == (
        "moved@example.com",
        "Free",
        "drifted",
    )
    assert tv.api.get(f"/users/{user_id}").json()["username"] == "drifted"


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"password": "x"}, 400, "unknown fields: password"),
        ({"plan": "Bronze"}, 400, "plan must be one of"),
        ({"email": "outsider@other-org.invalid"}, 400, "email has already been taken"),
    ],
    ids=["unknown-field", "bad-plan", "taken-email"],
)
def test_update_is_validated(tv: Driver, body: dict[str, str], status: int, fragment: str) -> None:
    tv.create("checked")
    answer = tv.admin("POST", "/users/checked/update", body)
    assert answer.status_code == status
    assert fragment in answer.json()["error"]


def test_admin_actions_never_touch_the_manager(tv: Driver) -> None:
    name = DEFAULT_MANAGER[0]
    assert tv.admin("POST", f"/users/{name}/remove").status_code == 409
    assert tv.admin("POST", f"/users/{name}/update", {"plan": "Free"}).status_code == 409
    assert tv.api.get(f"/users/{MANAGER_ID}").json()["plan"] == "Gold"


def test_unknown_users_and_actions_are_404(tv: Driver) -> None:
    tv.create("known")
    assert tv.admin("POST", "/users/nobody/remove").status_code == 404
    assert tv.admin("POST", "/users/outsider/remove").status_code == 404  # another organisation
    assert tv.admin("POST", "/users/known/explode").status_code == 404
    assert tv.admin("GET", "/nothing").status_code == 404


def test_login_sets_last_login_on_the_sandbox_clock(tv: Driver) -> None:
    user_id = tv.create("logger")
    tv.admin("POST", "/users/logger/login")
    assert tv.api.get(f"/users/{user_id}").json()["last_login"] == "2026-03-02T08:00:00.000+00:00"


def test_a_passed_trial_is_recorded_but_keeps_the_plan_until_the_expiry_hook(tv: Driver) -> None:
    user_id = tv.create("trialist", plan="Gold", trial_end="2026-03-05")
    tv.create("paying", plan="Gold")
    assert tv.debug("trialist")["trial_expired"] is False
    tv.admin("POST", "/clock/advance", {"seconds": 4 * 86400})
    assert tv.debug("trialist")["trial_expired"] is True
    assert tv.api.get(f"/users/{user_id}").json()["plan"] == "Gold"
    assert tv.admin("POST", "/trials/expire").json() == {"downgraded": ["trialist"]}
    assert tv.api.get(f"/users/{user_id}").json()["plan"] == "Free"
    tv.api.put(f"/users/{user_id}", json={"plan": "Gold"})
    assert tv.admin("POST", "/trials/expire").json() == {"downgraded": []}


def test_clock_advance_is_validated_and_reports_sandbox_time(tv: Driver) -> None:
    answer = tv.admin("POST", "/clock/advance", {"seconds": 3600}).json()
    assert answer == {"now": "2026-03-02T09:00:00.000+00:00", "offset": 3600}
    assert tv.admin("POST", "/clock/advance", {"seconds": -1}).status_code == 400
    assert tv.admin("POST", "/clock/advance", {"seconds": "soon"}).status_code == 400


def test_the_request_log_has_no_bodies_and_skips_its_own_reads(tv: Driver) -> None:
    tv.clear_requests()
    tv.api.post("/users", json={"username": "logged", "password": "correct-horse"})
    tv.api.get("/users")
    tv.admin("GET", "/world")
    log = tv.admin("GET", "/requests").json()
    assert [(e["method"], e["domain"], e["path"], e["status"]) for e in log] == [
        ("POST", "api", "/api/v1/users", 400),
        ("GET", "api", "/api/v1/users", 200),
        ("GET", "admin", "/_sandbox/world", 200),
    ]
    assert log[0]["time"] == MONDAY
    assert "correct-horse" not in json.dumps(log)
    assert tv.admin("POST", "/requests/clear").json() == {"cleared": 3}
    assert tv.requests() == []


def test_the_world_dump_shows_every_organisation_and_no_password(tv: Driver) -> None:
    tv.create("dumped", password="secret-pass")
    world = tv.admin("GET", "/world").json()
    assert world["organization"] == "sandbox-prop"
    users = {u["username"]: u for u in world["users"]}
    assert users["outsider"]["org"] != "sandbox-prop"
    assert users[DEFAULT_MANAGER[0]]["is_manager"] is True
    text = json.dumps(world)
    assert "secret-pass" not in text
    assert "password_hash" not in text
    assert DEFAULT_MANAGER[1] not in text


@pytest.mark.parametrize("status", [429, 503], ids=["rate-limited", "unavailable"])
def test_faults_answer_the_next_api_requests(tv: Driver, status: int) -> None:
    tv.admin("POST", "/faults", {"status": status, "count": 2, "retry_after": 7})
    first = tv.api.get("/users")
    assert (first.status_code, first.headers["Retry-After"]) == (status, "7")
    assert tv.api.post("/users", json={}).status_code == status
    assert tv.api.get("/users").status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"status": 404}, {"status": 503, "count": -1}, {"status": 429, "retry_after": "x"}],
    ids=["status", "count", "retry-after"],
)
def test_faults_are_validated(tv: Driver, body: dict[str, object]) -> None:
    assert tv.admin("POST", "/faults", body).status_code == 400


def test_the_optional_rate_limit_answers_429_with_retry_after() -> None:
    clock = Clock()
    with running(
        SandboxConfig(rate_limit=SandboxRateLimit(limit=2, per_seconds=60)), clock=clock
    ) as tv:
        assert [tv.api.get("/users").status_code for _ in range(3)] == [200, 200, 429]
        assert tv.api.get("/users").headers["Retry-After"] == "1"
        clock.now += 61
        assert tv.api.get("/users").status_code == 200


def test_admin_json_must_be_an_object(tv: Driver) -> None:
    answer = tv.admin_client.post("/clock/advance", content=b"[1]")
    assert answer.status_code == 400


def test_the_world_persists_across_restarts_without_plaintext_passwords(tmp_path: Path) -> None:
    path = tmp_path / "tradervue.json"
    with running(SandboxConfig(data_path=path)) as first:
        user_id = first.create(
            "kept", password="kept-password", settings={"merge_mode": "force_merge"}
        )
        first.admin("POST", "/users/kept/update", {"plan": "Gold"})
    assert "kept-password" not in path.read_text()
    with running(SandboxConfig(data_path=path)) as second:
        assert second.api.get(f"/users/{user_id}").json()["plan"] == "Gold"
        assert second.debug("kept")["settings"]["merge_mode"] == "force_merge"
        assert second.api.get("/users", auth=("kept", "kept-password")).status_code == 403
        assert second.create("next") == user_id + 1


def test_only_mutating_requests_save_the_data_file(tmp_path: Path) -> None:
    path = tmp_path / "tradervue.json"
    with running(SandboxConfig(data_path=path)) as tv:
        user_id = tv.create("written")
        path.unlink()
        tv.api.get("/users")
        tv.api.put(f"/users/{user_id}", json={"plan": "Silver"})  # no change
        tv.api.post("/users", json={})  # refused
        assert not path.exists()
        tv.api.put(f"/users/{user_id}", json={"plan": "Gold"})
        assert path.exists()


def test_list_and_create_stay_fast_with_100000_users(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    digest = hash_password("big-pass")
    users = [
        {
            "id": 10000 + i,
            "username": f"user{i}",
            "email": f"user{i}@example.com",
            "plan": "Silver",
            "billing_mode": "Managed",
            "last_login": None,
            "org": "sandbox-prop",
            "password_hash": digest,
        }
        for i in range(1, 100_001)
    ]
    manager = {
        **users[0],
        "id": 10000,
        "username": DEFAULT_MANAGER[0],
        "email": "manager@sandbox.invalid",
        "is_manager": True,
        "password_hash": hash_password(DEFAULT_MANAGER[1]),
    }
    write_json_atomic(
        path,
        {
            "format": 1,
            "organization": "sandbox-prop",
            "next_id": 110001,
            "users": [manager, *users],
        },
    )
    with running(SandboxConfig(data_path=path)) as tv:
        started = time.perf_counter()
        listed = tv.api.get("/users").json()["users"]
        assert len(listed) == 100_001
        answer = tv.api.post(
            "/users",
            json={
                "username": "USER99999",
                "email": "x@example.com",
                "plan": "Free",
                "password": "secret-1",
            },
        )
        assert "username has already been taken" in answer.json()["error"]
        assert tv.api.get("/users/110000").json()["username"] == "user100000"
        assert time.perf_counter() - started < 10  # generous: indexes, not scans
