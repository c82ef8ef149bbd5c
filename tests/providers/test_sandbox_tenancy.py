"""Every sandbox over real HTTP: missing or wrong credentials are refused, and one firm's
credentials neither see nor change another firm's users."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from reconciler.providers.traderpal import sandbox as traderpal
from reconciler.providers.tradervue import sandbox as tradervue
from reconciler.providers.tradovate import sandbox as tradovate

UA = {"User-Agent": "tenancy-tests (tests@example.com)"}


# --- Tradovate: access tokens per organisation ------------------------------------------


@pytest.fixture(scope="module")
def vate() -> Iterator[tradovate.SandboxServer]:
    with tradovate.serve_sandbox() as server:
        yield server


def token(server: tradovate.SandboxServer, admin: tuple[str, str, str]) -> dict[str, str]:
    name, password, sec = admin
    body = {"name": name, "password": password, "sec": sec, "appId": "tests"}
    answer = httpx.post(f"{server.live_url}/auth/accesstokenrequest", json=body).json()
    return {"Authorization": f"Bearer {answer['accessToken']}"}


def test_tradovate_refuses_missing_and_wrong_credentials(vate: tradovate.SandboxServer) -> None:
    assert httpx.get(f"{vate.live_url}/user/list").status_code == 401
    forged = {"Authorization": "Bearer not-a-token"}
    assert httpx.get(f"{vate.live_url}/user/list", headers=forged).status_code == 401
    name, _, sec = tradovate.DEFAULT_ADMIN
    wrong = {"name": name, "password": "wrong-password", "sec": sec}
    answer = httpx.post(f"{vate.live_url}/auth/accesstokenrequest", json=wrong).json()
    assert "accessToken" not in answer
    assert answer["errorText"].startswith("Incorrect username or password")


def test_a_tradovate_firm_sees_and_changes_only_its_own_users(
    vate: tradovate.SandboxServer,
) -> None:
    ours, theirs = token(vate, tradovate.DEFAULT_ADMIN), token(vate, tradovate.OTHER_ADMIN)
    user = {"name": "tenant.one", "email": "tenant.one@example.com", "password": "pw-Secret-1",
            "firstName": "Ten", "lastName": "Ant"}  # fmt: skip
    created = httpx.post(
        f"{vate.live_url}/user/createevaluationusers", json={"users": [user]}, headers=ours
    ).json()
    user_id = created["results"][0]["userId"]

    def names(headers: dict[str, str]) -> set[str]:
        return {u["name"] for u in httpx.get(f"{vate.live_url}/user/list", headers=headers).json()}

    assert "tenant.one" in names(ours)
    assert "tenant.one" not in names(theirs)
    assert tradovate.DEFAULT_ADMIN[0] not in names(theirs)
    assert tradovate.OTHER_ADMIN[0] not in names(ours)
    seen = httpx.get(f"{vate.live_url}/user/item", params={"id": user_id}, headers=theirs)
    assert seen.status_code == 404
    found = httpx.get(f"{vate.live_url}/user/find", params={"name": "tenant.one"}, headers=theirs)
    assert found.status_code == 404
    contacts = httpx.get(
        f"{vate.live_url}/contactInfo/ldeps", params={"masterids": str(user_id)}, headers=theirs
    )
    assert contacts.json() == []
    changed = httpx.post(
        f"{vate.live_url}/user/modifyemailaddress",
        json={"userId": user_id, "email": "stolen@example.com"},
        headers=theirs,
    ).json()
    assert changed == {"errorText": "User not found"}
    cancelled = httpx.post(
        f"{vate.live_url}/user/canceleverything",
        json={"userIds": [user_id], "tradovateSubscriptions": True, "userPlugins": True},
        headers=theirs,
    ).json()
    assert not any(cancelled.values())
    world = httpx.get(f"{vate.url}/_sandbox/world").json()
    (mine,) = [u for u in world["users"] if u["name"] == "tenant.one"]
    assert mine["email"] == "tenant.one@example.com"


# --- Tradervue: HTTP Basic as each organisation's manager -------------------------------


@pytest.fixture(scope="module")
def vue() -> Iterator[tradervue.SandboxServer]:
    with tradervue.serve_sandbox() as server:
        yield server


def test_tradervue_refuses_missing_and_wrong_credentials(vue: tradervue.SandboxServer) -> None:
    assert httpx.get(f"{vue.base_url}/users", headers=UA).status_code == 401
    wrong = (tradervue.DEFAULT_MANAGER[0], "wrong-password")
    assert httpx.get(f"{vue.base_url}/users", headers=UA, auth=wrong).status_code == 401


def test_a_tradervue_organisation_sees_and_changes_only_its_members(
    vue: tradervue.SandboxServer,
) -> None:
    ours = httpx.Client(base_url=vue.base_url, headers=UA, auth=tradervue.DEFAULT_MANAGER)
    theirs = httpx.Client(base_url=vue.base_url, headers=UA, auth=tradervue.OTHER_MANAGER)
    body = {"username": "tenant.two", "plan": "Silver", "email": "tenant.two@example.com",
            "password": "pw-Secret-2"}  # fmt: skip
    user_id = ours.post("/users", json=body).json()["id"]
    assert "tenant.two" in {u["username"] for u in ours.get("/users").json()["users"]}
    listed = {u["username"] for u in theirs.get("/users").json()["users"]}
    assert listed == {tradervue.OTHER_MANAGER[0]}
    assert theirs.get(f"/users/{user_id}").status_code == 404
    assert theirs.put(f"/users/{user_id}", json={"plan": "Free"}).status_code == 404
    assert ours.get(f"/users/{user_id}").json()["plan"] == "Silver"
    mentee = {**body, "username": "mentee.two", "email": "mentee.two@example.com",
              "settings": {"mentor": user_id}}  # fmt: skip
    refused = theirs.post("/users", json=mentee)
    assert (refused.status_code, refused.json()["error"]) == (
        400,
        "Invalid request: mentor is not eligible",
    )


# --- TraderPal Connect: API keys per partner --------------------------------------------


@pytest.fixture(scope="module")
def pal() -> Iterator[traderpal.SandboxServer]:
    with traderpal.serve_sandbox() as server:
        yield server


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_traderpal_refuses_missing_and_wrong_keys(pal: traderpal.SandboxServer) -> None:
    assert httpx.get(f"{pal.base_url}/v1/users").status_code == 401
    wrong = httpx.get(f"{pal.base_url}/v1/users", headers=bearer("tp_guessed_key"))
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "unauthorized")


def test_a_traderpal_partner_sees_and_changes_only_its_own_users(
    pal: traderpal.SandboxServer,
) -> None:
    ours = httpx.Client(base_url=pal.base_url, headers=bearer(traderpal.DEFAULT_API_KEY))
    theirs = httpx.Client(base_url=pal.base_url, headers=bearer(traderpal.OTHER_PARTNER_API_KEY))
    body: dict[str, Any] = {"email": "tenant.three@example.com", "firstName": "Ten",
                            "lastName": "Ant"}  # fmt: skip
    user_id = ours.post("/v1/users", json=body).json()["userId"]
    mine = ours.get("/v1/users", params={"limit": 1000}).json()
    assert user_id in {u["userId"] for u in mine["users"]}
    other = theirs.get("/v1/users", params={"limit": 1000}).json()
    assert other == {"users": [], "metadata": {"total": 0, "limit": 1000, "offset": 0}}
    assert theirs.get(f"/v1/users/{user_id}").status_code == 404
    assert theirs.patch(f"/v1/users/{user_id}", json={"status": "closed"}).status_code == 404
    assert ours.get(f"/v1/users/{user_id}").json()["status"] == "pending_verification"
    theirs_id = theirs.post("/v1/users", json={**body, "email": "other@example.com"}).json()
    assert ours.get(f"/v1/users/{theirs_id['userId']}").status_code == 404
