"""The TraderPal Connect sandbox answering exactly the fields the Users API document shows for
each endpoint (`documented_shapes`), driven with the document's own example requests; and the
reconciler's client keeping the platforms in line against such answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from reconciler.providers.traderpal.sandbox import SandboxConfig, serve_sandbox
from tests.project import Project
from tests.providers.traderpal.test_end_to_end import (
    ALICE,
    API_KEY,
    FIRM,
    TEAM,
    applied,
    user,
    writes,
)

DOCUMENTED = SandboxConfig(api_keys={API_KEY: "write"}, documented_shapes=True)
HEADERS = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture
def api() -> Iterator[httpx.Client]:
    with (
        serve_sandbox(DOCUMENTED) as server,
        httpx.Client(base_url=server.base_url, headers=HEADERS) as client,
    ):
        yield client


def test_each_answer_holds_the_fields_the_document_shows(api: httpx.Client) -> None:
    created = api.post(
        "/v1/users",
        json={
            "email": "user@example.com",
            "firstName": "John",
            "lastName": "Doe",
            "dateOfBirth": "1990-01-01",
            "country": "US",
            "phoneNumber": "+1234567890",
        },
    )
    assert created.status_code == 201
    shown = ["userId", "email", "firstName", "lastName", "status"]
    assert sorted(created.json()) == sorted([*shown, "createdAt"])
    assert created.json()["status"] == "pending_verification"
    user_id = created.json()["userId"]
    got = api.get(f"/v1/users/{user_id}").json()
    assert sorted(got) == sorted([*shown, "createdAt", "verificationStatus"])
    assert sorted(got["verificationStatus"]) == ["address", "email", "identity"]
    patched = api.patch(
        f"/v1/users/{user_id}",
        json={"firstName": "John", "lastName": "Smith", "phoneNumber": "+1987654321"},
    ).json()
    assert sorted(patched) == sorted([*shown, "updatedAt"])
    assert patched["lastName"] == "Smith"
    listed = api.get("/v1/users", params={"status": "pending", "limit": 50}).json()
    assert sorted(listed) == ["metadata", "users"]
    assert listed["metadata"] == {"total": 1, "limit": 50, "offset": 0}
    (item,) = listed["users"]
    assert sorted(item) == sorted([*shown, "createdAt"])


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    monkeypatch.setenv("TP_KEY", API_KEY)
    with serve_sandbox(DOCUMENTED) as server:
        project = Project(tmp_path, server.url, CliRunner())
        project.write("firm.yaml", FIRM.format(url=server.base_url))
        project.write("traders/alice.yaml", ALICE)
        project.write("traders/team.yaml", TEAM)
        yield project


def test_the_client_applies_and_then_sees_no_change(project: Project) -> None:
    applied(project)
    planned = project.run("plan", "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output
    assert "No changes. The platforms match the manifests. 3 waiting." in planned.output
    project.admin("users/alice@example.com/activate")
    assert "2 waiting." in project.run("plan").output


def test_the_client_still_sees_and_repairs_drift_of_a_shown_field(project: Project) -> None:
    applied(project)
    project.admin("users/alice@example.com/update", {"lastName": "Jones"})
    assert '~ last_name = "Jones" -> "Smith"' in project.run("plan").output
    project.clear_requests()
    applied(project)
    alice = user(project, "alice@example.com")
    assert writes(project) == [f"PATCH /v1/users/{alice['userId']}"]
    assert alice["lastName"] == "Smith"
    assert "No changes." in project.run("plan").output
