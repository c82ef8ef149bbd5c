"""TraderPal Connect end to end through the CLI: a Firm configuring only TraderPal, pointed at
a fresh sandbox on an ephemeral port."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reconciler.plan import Address, Remote
from reconciler.providers.traderpal.sandbox import SandboxConfig, serve_sandbox
from reconciler.workspace import open_workspace
from reconciler.workspace.records import recorded_of
from reconciler.workspace.refresh import refresh
from tests.project import Project

API_KEY = "tp_test_key_4f1d2c9b7a"

FIRM = """\
kind: Firm
name: test-prop
providers:
  traderpal:
    environment: {{base_url: "{url}"}}
    api_key: "${{env:TP_KEY}}"
"""

ALICE = """\
kind: Trader
name: alice
username: alice.smith
email: Alice@Example.com
first_name: Alice
last_name: Smith
contact: {phone: "+15551234567", street_address1: 1 Main St, city: Chicago, state: IL,
          post_code: "60601", country: US}
traderpal: {date_of_birth: 1990-01-01}
"""

TEAM = """\
- name: bob
  username: bob.jones
  email: bob@example.com
  first_name: Bob
  last_name: Jones
  traderpal: {date_of_birth: 1985-05-05, country: GB, phone: "+442071234567"}
- name: carol
  username: carol.white
  email: carol@example.com
  first_name: Carol
  last_name: White
  contact: {phone: "+1 (555) 765-4321", street_address1: 2 Main St, city: Boston, state: MA,
            country: US}
  traderpal:
    date_of_birth: 1992-12-31
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    monkeypatch.setenv("TP_KEY", API_KEY)
    with serve_sandbox(SandboxConfig(api_keys={API_KEY: "write"})) as server:
        project = Project(tmp_path, server.url, CliRunner())
        project.write("firm.yaml", FIRM.format(url=server.base_url))
        project.write("traders/alice.yaml", ALICE)
        project.write("traders/team.yaml", TEAM)
        yield project


def applied(project: Project, *, expect: int = 0) -> str:
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == expect, result.output
    return result.output


def calls(project: Project) -> list[str]:
    return [f"{e['method']} {e['path']}" for e in project.requests() if e["domain"] == "api"]


def writes(project: Project) -> list[str]:
    return [c for c in calls(project) if not c.startswith("GET ")]


def state(project: Project) -> dict[str, dict[str, Any]]:
    return dict(json.loads(project.state_file.read_text())["resources"])


def user(project: Project, email: str) -> dict[str, Any]:
    found = [u for u in project.world()["users"] if u["email"].lower() == email.lower()]
    assert len(found) == 1, found
    return dict(found[0])


def edit(project: Project, relative: str, old: str, new: str) -> None:
    text = (project.manifests / relative).read_text()
    assert old in text
    project.write(relative, text.replace(old, new))


def test_plan_shows_a_user_to_create_and_a_wait_for_its_verification_per_trader(
    project: Project,
) -> None:
    result = project.run("plan", "--detailed-exitcode", "--show-waits")
    assert result.exit_code == 2
    output = result.output
    for name in ("alice", "bob", "carol"):
        assert f"+ traderpal_user.{name} (create)" in output
        assert f"\u22ef traderpal_verification.{name} (wait)" in output
    assert "traderpal_verification.alice (create)" not in output
    assert re.search(r'\+ email +\= "alice@example.com"', output)
    assert re.search(r'\+ phone +\= "\+15557654321"', output)  # carol's contact, normalised
    assert (
        "Plan: 3 to create, 0 to update, 0 to replace, 0 to entitle, 0 to cancel. 3 waiting."
        in output
    )


def test_apply_then_plan_waits_for_each_trader_to_verify(project: Project) -> None:
    applied(project)
    assert user(project, "alice@example.com")["status"] == "pending_verification"
    grouped = project.run("plan").output
    assert "⋯ 3 traders waiting for the trader to verify their identity" in grouped
    planned = project.run("plan", "--detailed-exitcode", "--show-waits")
    assert planned.exit_code == 0
    assert "No changes. The platforms match the manifests. 3 waiting." in planned.output
    assert "\u22ef traderpal_verification.alice (wait)" in planned.output
    assert "# waiting for the trader to verify their identity" in planned.output
    assert "traderpal_user.alice" not in planned.output


def test_a_pending_trader_has_no_verification_in_state(project: Project) -> None:
    output = applied(project)
    assert "Apply complete: 3 succeeded, 0 failed, 0 skipped" in output
    assert not [a for a in state(project) if a.startswith("traderpal_verification.")]


def test_a_verified_trader_is_recorded_by_the_next_apply_without_a_call(
    project: Project,
) -> None:
    applied(project)
    project.admin("users/alice@example.com/activate")
    assert "traderpal_verification.alice" not in state(project)
    output = project.run("plan").output
    assert "~ traderpal_verification.alice (update)" in output
    assert "# the platform now shows it; state records it (no platform call)" in output
    assert "--adopt" not in output
    assert "Plan: 0 to create, 1 to update, 0 to replace, 0 to entitle, 0 to cancel." in output
    assert "2 waiting." in output
    project.clear_requests()
    assert "Apply complete: 1 succeeded, 0 failed, 0 skipped" in applied(project)
    assert writes(project) == []
    assert state(project)["traderpal_verification.alice"]["attributes"] == {"verified": True}
    again = project.run("plan").output
    assert "traderpal_verification.alice" not in again
    assert "No changes. The platforms match the manifests. 2 waiting." in again


def test_the_trader_verifies_through_the_sandbox_command(project: Project) -> None:
    applied(project)
    result = project.run(
        "sandbox", "--platform", "traderpal", "--url", project.url,
        "admin", "users/carol@example.com/activate",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert '"status": "active"' in result.output
    assert "~ traderpal_verification.carol (update)" in project.run("plan").output
    applied(project)
    assert "traderpal_verification.carol" not in project.run("plan").output


def test_a_second_apply_makes_no_write_call(project: Project) -> None:
    applied(project)
    project.clear_requests()
    assert "No changes." in applied(project)
    assert calls(project) == ["GET /v1/users"]


def test_refresh_pages_the_user_list_and_never_gets_users_one_by_one(project: Project) -> None:
    applied(project)
    project.clear_requests()
    project.run("plan")
    log = [e for e in project.requests() if e["domain"] == "api"]
    assert [(e["method"], e["path"], e["query"]) for e in log] == [
        ("GET", "/v1/users", "limit=1000&offset=0")
    ]


def test_remote_profile_drift_is_planned_and_patched_alone(project: Project) -> None:
    applied(project)
    project.admin("users/alice@example.com/update", {"lastName": "Jones"})
    planned = project.run("plan").output
    assert "~ traderpal_user.alice (update)" in planned
    assert '~ last_name = "Jones" -> "Smith"' in planned
    project.clear_requests()
    applied(project)
    alice = user(project, "alice@example.com")
    assert writes(project) == [f"PATCH /v1/users/{alice['userId']}"]
    assert alice["lastName"] == "Smith"
    assert "No changes." in project.run("plan").output


def test_a_user_suspended_remotely_is_made_active_again(project: Project) -> None:
    applied(project)
    project.admin("users/bob@example.com/activate")
    project.admin("users/bob@example.com/update", {"status": "suspended"})
    assert '~ status = "suspended" -> "active"' in project.run("plan").output
    applied(project)
    assert user(project, "bob@example.com")["status"] == "active"


def test_the_manifest_suspends_and_reactivates_a_verified_trader(project: Project) -> None:
    applied(project)
    project.admin("users/bob@example.com/activate")
    edit(project, "traders/team.yaml", "country: GB,", "country: GB, status: suspended,")
    assert '~ status = "active" -> "suspended"' in project.run("plan").output
    applied(project)
    assert user(project, "bob@example.com")["status"] == "suspended"
    edit(project, "traders/team.yaml", " status: suspended,", "")
    applied(project)
    assert user(project, "bob@example.com")["status"] == "active"
    assert "No changes." in project.run("plan").output


def test_a_user_pending_verification_as_recorded_and_declared_is_its_record(
    project: Project,
) -> None:
    """Bob is pending verification and the manifests want the status state recorded: with
    nothing to defer, the refresh gives his record itself (one object for both, as for any
    object shown as recorded). Once the manifests want another status, his status is
    deferred until he is verified."""
    applied(project)
    bob = Address.parse("traderpal_user.bob")

    def refreshed() -> tuple[Remote, Remote]:
        with open_workspace(project.manifests) as workspace:
            document = workspace.store.read()
            recorded = recorded_of(document, known=workspace.resources)
            remote = refresh(workspace.adapters, workspace.resources, document, recorded)
        return remote[bob], recorded[bob]

    shown, record = refreshed()
    assert shown is record
    assert not shown.deferred
    edit(project, "traders/team.yaml", "country: GB,", "country: GB, status: suspended,")
    shown, record = refreshed()
    assert shown is not record
    assert set(shown.deferred) == {"status"}
    assert shown.attributes is record.attributes


def test_a_status_change_before_verification_waits_for_it(project: Project) -> None:
    """The platform refuses a status change of a user pending verification: the plan says it
    waits (a note, no change), state never records a status the platform does not have, and
    the change is planned once the trader is verified."""
    applied(project)
    edit(project, "traders/team.yaml", "country: GB,", "country: GB, status: suspended,")
    planned = project.run("plan").output
    assert "traderpal_user.bob: status is not changed yet: TraderPal Connect changes" in planned
    assert "No changes." in planned
    project.clear_requests()
    output = applied(project)
    assert "succeeded" not in output  # nothing to apply: no "1 succeeded" without a request
    assert writes(project) == []
    assert state(project)["traderpal_user.bob"]["attributes"]["status"] == "active"
    project.admin("users/bob@example.com/activate")
    assert '~ status = "active" -> "suspended"' in project.run("plan").output
    applied(project)
    assert user(project, "bob@example.com")["status"] == "suspended"


def test_a_user_closed_remotely_is_a_blocked_line_not_a_reopening(project: Project) -> None:
    applied(project)
    project.admin("users/alice@example.com/update", {"status": "closed"})
    edit(project, "traders/team.yaml", "last_name: Jones", "last_name: Jonas")
    planned = project.run("plan").output
    alice = user(project, "alice@example.com")
    assert '"closed" -> "active"' not in planned
    assert "\u22ef traderpal_user.alice (wait)" in planned
    assert f"blocked: TraderPal Connect user {alice['userId']} with this e-mail is closed" in (
        planned
    )
    assert "its e-mail stays reserved); give the trader a new e-mail" in planned
    project.clear_requests()
    applied(project)
    assert writes(project) == [f"PATCH /v1/users/{user(project, 'bob@example.com')['userId']}"]
    assert user(project, "bob@example.com")["lastName"] == "Jonas"
    assert user(project, "alice@example.com")["status"] == "closed"


def test_a_new_email_closes_the_old_user_and_creates_one_to_verify_again(
    project: Project,
) -> None:
    applied(project)
    project.admin("users/alice@example.com/activate")
    applied(project)  # records the verification
    old = user(project, "alice@example.com")["userId"]
    edit(project, "traders/alice.yaml", "email: Alice@Example.com", "email: alice@newmail.com")
    planned = project.run("plan", "--show-waits").output
    assert "-/+ traderpal_user.alice (replace)" in planned
    assert "# email cannot change in place" in planned
    assert "\u22ef traderpal_verification.alice (wait)" in planned
    assert f"verify their identity again: a new user replaces {old}" in planned
    project.clear_requests()
    applied(project)
    assert writes(project) == [f"PATCH /v1/users/{old}", "POST /v1/users"]
    assert user(project, "alice@example.com")["status"] == "closed"
    assert user(project, "alice@newmail.com")["status"] == "pending_verification"
    assert "No changes. The platforms match the manifests. 3 waiting." in (
        project.run("plan").output
    )


def test_a_replaced_user_s_verification_leaves_state_and_is_waited_for_again(
    project: Project,
) -> None:
    """The new user is pending verification: the replace drops the old user's `verified`
    record as it lands, and the next plan shows a wait with nothing recorded before it."""
    applied(project)
    project.admin("users/alice@example.com/activate")
    applied(project)  # records the verification
    assert state(project)["traderpal_verification.alice"]["attributes"] == {"verified": True}
    edit(project, "traders/alice.yaml", "email: Alice@Example.com", "email: alice@newmail.com")
    applied(project)
    assert "traderpal_verification.alice" not in state(project)
    planned = project.run("plan", "--show-waits").output
    assert "\u22ef traderpal_verification.alice (wait)" in planned
    assert "verified = true ->" not in planned
    assert "traderpal_verification.alice (update)" not in planned
    project.admin("users/alice@newmail.com/activate")
    assert "~ traderpal_verification.alice (update)" in project.run("plan").output
    applied(project)
    assert state(project)["traderpal_verification.alice"]["attributes"] == {"verified": True}


def test_a_failed_item_is_reported_per_address_and_the_rest_lands(project: Project) -> None:
    project.write(
        "traders/dave.yaml",
        """\
        kind: Trader
        name: dave
        username: dave.brown
        email: dave@example.com
        first_name: Dave
        last_name: Brown
        traderpal: {date_of_birth: 2015-01-01, country: US}
    """,
    )
    output = applied(project, expect=1)
    assert (
        "error: traderpal_user.dave: invalid_user_data: the user must be at least 18 years old"
        in output
    )
    assert "3 succeeded, 1 failed, 0 skipped" in output  # dave's verification only waits
    recorded = state(project)
    assert {"traderpal_user.alice", "traderpal_user.carol"} <= set(recorded)
    assert "traderpal_user.dave" not in recorded
    assert "traderpal_verification.dave" not in recorded
    planned = project.run("plan").output
    assert "+ traderpal_user.dave" in planned
    assert "interrupted apply" not in planned  # an ordinary rejection is no interruption


def test_a_removed_trader_is_closed_with_one_call(project: Project) -> None:
    applied(project)
    project.admin("users/alice@example.com/activate")
    applied(project)  # records the verification, which goes with the user's cancel
    project.remove("traders/alice.yaml")
    planned = project.run("plan").output
    assert "- traderpal_user.alice (cancel)" in planned
    assert (
        "# no longer declared; TraderPal Connect has no delete: the user is closed for good "
        "and its e-mail stays reserved" in planned
    )
    assert "# performed by the cancel of traderpal_user.alice" in planned
    project.clear_requests()
    applied(project)
    alice = user(project, "alice@example.com")
    assert writes(project) == [f"PATCH /v1/users/{alice['userId']}"]
    assert alice["status"] == "closed"
    assert not [a for a in state(project) if a.endswith(".alice")]
    assert "No changes." in project.run("plan").output


def test_status_cancelled_offboards_the_trader(project: Project) -> None:
    applied(project)
    edit(project, "traders/team.yaml", "  username: carol.white\n", "  username: carol.white\n"
         "  status: cancelled\n")  # fmt: skip
    assert "- traderpal_user.carol (cancel)" in project.run("plan").output
    applied(project)
    assert user(project, "carol@example.com")["status"] == "closed"
    assert "traderpal_user.carol" not in state(project)


def test_offboarding_a_user_already_gone_from_the_platform_succeeds(project: Project) -> None:
    applied(project)
    project.admin("users/bob@example.com/delete")
    project.admin("users/carol@example.com/update", {"status": "closed"})
    project.write("traders/team.yaml", "[]\n")
    applied(project)
    assert not [a for a in state(project) if ".bob" in a or ".carol" in a]


def test_a_lost_create_answer_is_adopted_by_email_not_duplicated(project: Project) -> None:
    project.admin("faults", {"method": "POST", "status": 503, "times": 1,
                             "after_processing": True})  # fmt: skip
    output = applied(project, expect=1)
    assert "outcome unknown" in output or "503" in output
    planned = project.run("plan").output
    assert "adopt existing remote object" in planned
    applied(project)
    emails = [u["email"].lower() for u in project.world()["users"]]
    assert sorted(emails) == ["alice@example.com", "bob@example.com", "carol@example.com"]
    assert "No changes." in project.run("plan").output


def test_a_rate_limited_refresh_is_sent_again_after_retry_after(project: Project) -> None:
    project.admin("faults", {"method": "GET", "status": 429, "times": 1, "retry_after": 0})
    assert "Plan: 3 to create" in project.run("plan").output
    statuses = [e["status"] for e in project.requests() if e["domain"] == "api"]
    assert statuses == [429, 200]


def test_validation_errors_are_reported_with_file_and_line(project: Project) -> None:
    project.write(
        "traders/bad.yaml",
        """\
        - name: erin
          username: erin.grey
          email: erin@example.com
          first_name: Erin
          last_name: Grey
          traderpal: {date_of_birth: 2999-01-01, country: usa}
        - name: fay
          username: fay.blue
          email: fay@example.com
          first_name: Fay
          last_name: Blue
          traderpal:
            date_of_birth: 1990-02-30
            phone: "5550100"
            status: closed
        - name: gus
          username: gus.green
          email: gus@example.com
          first_name: Gus
          last_name: Green
          traderpal: {}
        - name: hal
          username: hal.red
          email: hal@example.com
          first_name: Hal
          last_name: Red
          contact: {phone: "555-0100", street_address1: 1 St, city: X, country: GB}
          traderpal: {date_of_birth: 1980-01-01}
    """,
    )
    result = project.run("validate")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "Error: 7 problem(s) in the manifests"
    path = str(project.manifests / "traders" / "bad.yaml")
    expected = {
        6: ["date_of_birth must not be in the future", "alpha-2"],
        13: ["invalid timestamp"],
        14: ["phone must be an E.164 number"],
        15: ["'active' or 'suspended'"],
        21: ["date_of_birth: Field required"],
        27: ["TraderPal Connect needs an E.164 phone number"],
    }
    lines = result.output.splitlines()
    for line, fragments in expected.items():
        for fragment in fragments:
            assert any(x.startswith(f"{path}:{line}:") and fragment in x for x in lines), (
                line,
                fragment,
                result.output,
            )


def test_an_explicit_host_without_an_api_key_is_a_firm_error(project: Project) -> None:
    edit(project, "firm.yaml", '    api_key: "${env:TP_KEY}"\n', "")
    result = project.run("validate")
    assert result.exit_code == 1
    firm = str(project.manifests / "firm.yaml")
    assert f"{firm}:4:" in result.output
    assert "api_key is required unless environment is sandbox" in result.output


def test_firm_defaults_are_merged_and_overridden_per_trader(project: Project) -> None:
    project.write("firm.yaml", (project.manifests / "firm.yaml").read_text()
                  + "defaults:\n  traderpal: {country: CA, status: suspended}\n")  # fmt: skip
    edit(project, "traders/team.yaml", "date_of_birth: 1992-12-31", "date_of_birth: 1992-12-31"
         "\n    status: active")  # fmt: skip
    applied(project)
    recorded = state(project)
    assert recorded["traderpal_user.alice"]["attributes"]["country"] == "CA"
    assert recorded["traderpal_user.alice"]["attributes"]["status"] == "suspended"
    assert recorded["traderpal_user.bob"]["attributes"]["country"] == "GB"
    assert recorded["traderpal_user.carol"]["attributes"]["status"] == "active"
    project.admin("users/alice@example.com/activate")
    assert '~ status = "active" -> "suspended"' in project.run("plan").output
    applied(project)
    assert user(project, "alice@example.com")["status"] == "suspended"


def test_the_api_key_is_never_in_state_output_or_logs(
    project: Project, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="reconciler")
    outputs = [
        project.run("plan").output,
        applied(project),
        project.run("--debug", "plan").output,
        project.run("show").output,
    ]
    assert all(API_KEY not in text for text in outputs)
    assert API_KEY not in project.state_file.read_text()
    assert "GET /v1/users -> 200" in caplog.text
    assert API_KEY not in caplog.text


def test_the_embedded_sandbox_keeps_its_data_under_the_state_folder(project: Project) -> None:
    project.write("firm.yaml", "kind: Firm\nname: test-prop\nproviders:\n  traderpal: {}\n")
    applied(project)
    data = project.root / "state" / "sandbox" / "traderpal.json"
    assert "alice@example.com" in data.read_text()
    assert "No changes. The platforms match the manifests. 3 waiting." in (
        project.run("plan").output
    )


def test_importing_another_traders_id_is_refused(project: Project) -> None:
    applied(project)
    bob = user(project, "bob@example.com")["userId"]
    project.write(
        "traders/dave.yaml",
        """\
        kind: Trader
        name: dave
        username: dave.brown
        email: dave@example.com
        first_name: Dave
        last_name: Brown
        traderpal: {date_of_birth: 1980-01-01, country: US}
        """,
    )
    result = project.run("import", "traderpal_user.dave", bob)
    assert result.exit_code == 1
    assert f"object {bob} is not it" in result.output
    assert "traderpal_user.dave" not in state(project)
