"""The sandbox's gateway over HTTP: API keys, error envelopes and request ids, injected faults,
the request log, persistence and speed with 100,000 users."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from reconciler.providers.traderpal.sandbox import (
    DEFAULT_API_KEY,
    READ_ONLY_API_KEY,
    Fault,
    SandboxConfig,
    SandboxServer,
    serve_sandbox,
)
from tests.providers.traderpal.conftest import Admin, Clock, user_body


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {DEFAULT_API_KEY}"}],
    ids=["no-key", "unknown-key", "not-bearer"],
)
def test_requests_without_a_valid_key_get_401(
    sandbox: SandboxServer, admin: Admin, headers: dict[str, str]
) -> None:
    response = httpx.get(f"{sandbox.base_url}/v1/users", headers=headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "unauthorized"
    assert error["requestId"] == response.headers["x-request-id"]


def test_a_read_only_key_reads_but_may_not_write(sandbox: SandboxServer, admin: Admin) -> None:
    headers = {"Authorization": f"Bearer {READ_ONLY_API_KEY}"}
    with httpx.Client(base_url=sandbox.base_url, headers=headers) as http:
        assert http.get("/v1/users").status_code == 200
        created = http.post("/v1/users", json=user_body())
        updated = http.patch("/v1/users/usr_doesnotexist1", json={})
    assert (created.status_code, created.json()["error"]["code"]) == (403, "forbidden")
    assert updated.status_code == 403


def test_every_answer_carries_a_fresh_request_id(api: httpx.Client) -> None:
    ids = {api.get("/v1/users").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3
    assert all(i.startswith("req_") and len(i) == 20 for i in ids)


def test_unknown_endpoints_answer_404_in_the_envelope(api: httpx.Client) -> None:
    response = api.get("/v1/accounts")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["requestId"] == response.headers["x-request-id"]


def test_users_created_in_the_same_second_are_listed_by_user_id(
    api: httpx.Client, admin: Admin
) -> None:
    admin.post("/clock/advance", {"seconds": 10})
    created = [api.post("/v1/users", json=user_body()).json()["userId"] for _ in range(4)]
    listed = [u["userId"] for u in api.get("/v1/users", params={"limit": 1000}).json()["users"]]
    assert listed[-4:] == sorted(created)


def test_a_429_fault_answers_with_retry_after_as_many_times_as_asked(
    api: httpx.Client, admin: Admin
) -> None:
    admin.post("/faults", {"method": "GET", "path": "/v1/users", "status": 429, "times": 2,
                           "retry_after": 7})  # fmt: skip
    answers = [api.get("/v1/users") for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["retry-after"] == "7"
    assert answers[0].json()["error"]["code"] == "rate_limited"
    assert admin.get("/faults")["faults"] == []


def test_a_fault_matches_method_and_path_patterns(api: httpx.Client, admin: Admin) -> None:
    admin.post("/faults", {"method": "PATCH", "path": "/v1/users/*", "status": 503, "times": None})
    user = api.post("/v1/users", json=user_body()).json()
    assert api.get(f"/v1/users/{user['userId']}").status_code == 200
    refused = api.patch(f"/v1/users/{user['userId']}", json={"lastName": "Byron"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (503, "service_unavailable")
    assert api.patch(f"/v1/users/{user['userId']}", json={}).status_code == 503
    assert api.get(f"/v1/users/{user['userId']}").json()["lastName"] == "Lovelace"


def test_a_fault_after_processing_loses_the_answer_but_not_the_change(
    api: httpx.Client, admin: Admin
) -> None:
    admin.post("/faults", {"method": "POST", "path": "/v1/users", "status": 503,
                           "after_processing": True})  # fmt: skip
    body = user_body()
    assert api.post("/v1/users", json=body).status_code == 503
    assert admin.user(body["email"])["status"] == "pending_verification"


@pytest.mark.parametrize(
    "fault",
    [{"status": 404}, {"status": 429, "times": 0}, {"status": "503"}, {"colour": "red"}],
    ids=["not-a-fault-status", "zero-times", "status-not-a-number", "unknown-field"],
)
def test_invalid_faults_are_refused(admin: Admin, fault: dict[str, object]) -> None:
    admin.post("/faults", fault, expect=400)
    assert admin.get("/faults")["faults"] == []


def test_faults_can_be_configured_at_start(clock: Clock) -> None:
    config = SandboxConfig(faults=(Fault(method="GET", status=502, times=1),))
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    with serve_sandbox(config, clock=clock) as server:
        first = httpx.get(f"{server.base_url}/v1/users", headers=headers)
        second = httpx.get(f"{server.base_url}/v1/users", headers=headers)
    assert (first.status_code, second.status_code) == (502, 200)


def test_the_request_log_holds_no_bodies_and_not_its_own_reads(
    api: httpx.Client, admin: Admin
) -> None:
    body = user_body()
    api.post("/v1/users", json=body)
    api.get("/v1/users", params={"limit": 5})
    admin.get("/requests")
    log = admin.get("/requests")
    assert [(e["method"], e["domain"], e["path"], e["query"], e["status"]) for e in log] == [
        ("POST", "api", "/v1/users", "", 201),
        ("GET", "api", "/v1/users", "limit=5", 200),
    ]
    assert body["email"] not in str(log)
    assert DEFAULT_API_KEY not in str(log)


def test_the_world_persists_across_restarts(tmp_path: Path, clock: Clock) -> None:
    config = SandboxConfig(data_path=tmp_path / "traderpal.json")
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    body = user_body()
    with serve_sandbox(config, clock=clock) as server:
        created = httpx.post(f"{server.base_url}/v1/users", json=body, headers=headers).json()
    with serve_sandbox(config, clock=clock) as server:
        url = f"{server.base_url}/v1/users"
        found = httpx.get(f"{url}/{created['userId']}", headers=headers)
        again = httpx.post(url, json=body, headers=headers)
    assert found.json() == created
    assert again.status_code == 409
    assert DEFAULT_API_KEY not in (tmp_path / "traderpal.json").read_text()


def test_a_world_of_100000_users_stays_fast(clock: Clock) -> None:
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    with (
        serve_sandbox(SandboxConfig(seed_users=100_000), clock=clock) as server,
        httpx.Client(base_url=server.base_url, headers=headers) as http,
    ):
        started = time.perf_counter()
        duplicate = http.post("/v1/users", json=user_body(email="USER99999@seed.invalid"))
        created = http.post("/v1/users", json=user_body())
        last = http.get("/v1/users", params={"limit": 1000, "offset": 99_500})
        user = http.patch(f"/v1/users/{created.json()['userId']}", json={"lastName": "Byron"})
        elapsed = time.perf_counter() - started
    assert (duplicate.status_code, created.status_code, user.status_code) == (409, 201, 200)
    assert len(last.json()["users"]) == 501
    assert last.json()["metadata"]["total"] == 100_001
    assert elapsed < 1.0
