"""Tradervue end to end through the CLI, against a sandbox on an ephemeral port with a Firm
that configures only Tradervue: create, idempotence, mentors, drift, per-item failures,
offboarding, validation, defaults and secrets."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from reconciler.providers.tradervue.sandbox import DEFAULT_MANAGER, serve_sandbox
from tests.project import Project
from tests.providers.tradervue.driver import Clock

FIRM = """\
kind: Firm
name: journal-prop
providers:
  tradervue:
    environment: {{base_url: "{base_url}"}}
    organization: sandbox-prop
    credentials: {{username: {manager}, password: "${{env:TVUE_PASS}}"}}
defaults:
  tradervue: {{plan: Silver, settings: {{merge_mode: force_split}}}}
"""

ALICE = """\
kind: Trader
name: alice
username: alice.smith
email: alice@example.com
first_name: Alice
last_name: Smith
password: "${env:ALICE_PASS}"
tradervue:
  plan: gold
  trial_end: 2026-03-20
  settings:
    commission_stocks: 0.005
    charts: [{type: candlestick, timeframe: d}, {type: ohlc, timeframe: m5}]
"""

TEAM = """\
- name: bob
  username: bob.jones
  email: bob@example.com
  first_name: Bob
  last_name: Jones
  password: {generate: true}
  tradervue: {settings: {mentor: alice}}
- name: carol
  username: carol.white
  email: carol@example.com
  first_name: Carol
  last_name: White
  password: {generate: true}
  tradervue: {plan: Free, settings: {merge_mode: normal}}
- name: dave
  username: dave.brown
  email: dave@example.com
  first_name: Dave
  last_name: Brown
"""

SECRETS = {"TVUE_PASS": DEFAULT_MANAGER[1], "ALICE_PASS": "alice-Pass-1234"}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    with serve_sandbox(clock=Clock()) as server:
        project = Project(tmp_path, server.url, CliRunner())
        project.write("firm.yaml", FIRM.format(manager=DEFAULT_MANAGER[0], **server.environment()))
        project.write("traders/alice.yaml", ALICE)
        project.write("traders/team.yaml", TEAM)
        yield project


def api_calls(project: Project, *, writes_only: bool = False) -> list[str]:
    """`METHOD path` of each users-API call the sandbox served (admin requests excluded)."""
    entries = [e for e in project.requests() if e["domain"] == "api"]
    if writes_only:
        entries = [e for e in entries if e["method"] != "GET"]
    return [f"{e['method']} {e['path']}" for e in entries]


def applied(project: Project) -> Project:
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    project.clear_requests()
    return project


def users(project: Project) -> dict[str, dict[str, Any]]:
    """Every user of the site by username, with what the API never shows."""
    return {u["username"]: u for u in project.world()["users"]}


def state(project: Project) -> dict[str, dict[str, Any]]:
    return dict(json.loads(project.state_file.read_text())["resources"])


def edit(project: Project, relative: str, old: str, new: str) -> None:
    text = (project.manifests / relative).read_text()
    assert old in text
    project.write(relative, text.replace(old, new))


def test_plan_shows_a_create_per_trader_with_a_tradervue_block(project: Project) -> None:
    result = project.run("plan")
    assert result.exit_code == 0, result.output
    output = result.output
    for trader in ("alice", "bob", "carol"):
        assert f"+ tradervue_user.{trader} (create)" in output
    assert "tradervue_user.dave" not in output
    assert re.search(r"\+ password += \(sensitive\)", output)
    assert re.search(r'mentor += "alice"', output)
    assert "Plan: 3 to create, 0 to update" in output


def test_apply_creates_the_users_and_a_second_plan_shows_no_changes(project: Project) -> None:
    applied(project)
    assert "No changes." in project.run("plan").output
    created = users(project)
    alice = created["alice.smith"]
    assert (alice["plan"], alice["trial_end"], alice["billing_mode"]) == (
        "Gold",
        "2026-03-20",
        "Managed",
    )
    assert alice["settings"] == {
        "merge_mode": "force_split",
        "commission_stocks": "0.005",
        "charts": [{"type": "candlestick", "timeframe": "d"}, {"type": "ohlc", "timeframe": "m5"}],
    }
    assert "dave.brown" not in created


def test_firm_defaults_apply_and_a_trader_overrides_them(project: Project) -> None:
    applied(project)
    created = users(project)
    assert created["bob.jones"]["plan"] == "Silver"  # from defaults.tradervue
    assert created["bob.jones"]["settings"]["merge_mode"] == "force_split"
    assert created["carol.white"]["plan"] == "Free"  # overridden
    assert created["carol.white"]["settings"]["merge_mode"] == "normal"


def test_a_mentor_is_created_in_an_earlier_batch_than_its_mentee(project: Project) -> None:
    project.clear_requests()
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "[1/2] tradervue_user create: 2 items" in result.output
    assert "[2/2] tradervue_user create: 1 item" in result.output
    created = users(project)
    assert created["bob.jones"]["settings"]["mentor"] == created["alice.smith"]["id"]
    posts = [e for e in project.requests() if e["method"] == "POST" and e["domain"] == "api"]
    assert [e["status"] for e in posts] == [201, 201, 201]
    assert created["alice.smith"]["id"] < created["bob.jones"]["id"]


def test_a_mentee_added_later_gets_the_recorded_mentor_id(project: Project) -> None:
    applied(project)
    project.write(
        "traders/erin.yaml",
        """\
        kind: Trader
        name: erin
        username: erin.grey
        email: erin@example.com
        first_name: Erin
        last_name: Grey
        password: {generate: true}
        tradervue: {settings: {mentor: bob}}
        """,
    )
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    created = users(project)
    assert created["erin.grey"]["settings"]["mentor"] == created["bob.jones"]["id"]


def test_a_second_apply_makes_no_write_calls(project: Project) -> None:
    result = applied(project).run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert api_calls(project, writes_only=True) == []


def test_refresh_is_one_list_call(project: Project) -> None:
    applied(project).run("plan")
    assert api_calls(project) == ["GET /api/v1/users"]


def test_remote_plan_and_email_drift_is_planned_and_corrected(project: Project) -> None:
    applied(project)
    bob_id = users(project)["bob.jones"]["id"]
    project.admin("users/bob.jones/update", {"plan": "Gold", "email": "bob@elsewhere.com"})
    planned = project.run("plan").output
    assert "~ tradervue_user.bob (update)" in planned
    assert '~ email = "bob@elsewhere.com" -> "bob@example.com"' in planned
    assert '~ plan  = "Gold" -> "Silver"' in planned
    project.clear_requests()
    assert project.run("apply", "--auto-approve").exit_code == 0
    assert api_calls(project, writes_only=True) == [f"PUT /api/v1/users/{bob_id}"]
    assert f"GET /api/v1/users/{bob_id}" in api_calls(project)  # read back after the PUT
    assert "No changes." in project.run("plan").output


def test_a_username_changed_remotely_is_renamed_back(project: Project) -> None:
    applied(project).admin("users/carol.white/update", {"username": "carol.w"})
    planned = project.run("plan").output
    assert '~ username = "carol.w" -> "carol.white"' in planned
    assert project.run("apply", "--auto-approve").exit_code == 0
    assert "carol.white" in users(project)
    assert "No changes." in project.run("plan").output


def test_last_login_is_never_a_difference(project: Project) -> None:
    applied(project).admin("users/alice.smith/login")
    assert "No changes." in project.run("plan").output


def test_a_create_only_change_is_a_note_not_a_change(project: Project) -> None:
    applied(project)
    edit(project, "traders/alice.yaml", "commission_stocks: 0.005", "commission_stocks: 0.01")
    planned = project.run("plan").output
    assert "Note: tradervue_user.alice: settings can only be set when it is created" in planned
    assert "No changes." in planned


def test_a_user_that_left_the_organisation_is_a_blocked_line_saying_what_to_do(
    project: Project,
) -> None:
    carol = users(applied(project))["carol.white"]["id"]
    project.admin("users/carol.white/remove")
    planned = project.run("plan").output
    assert "+ tradervue_user.carol (create)" not in planned  # the platform would refuse it
    assert "\u22ef tradervue_user.carol (wait)" in planned
    assert f"blocked: the recorded Tradervue user {carol} is no longer in the organization" in (
        planned
    )
    assert "user name carol.white stays taken site-wide" in planned
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert api_calls(project, writes_only=True) == []
    edit(project, "traders/team.yaml", "username: carol.white", "username: carol.white2")
    assert "+ tradervue_user.carol (create)" in project.run("plan").output


def test_an_email_another_user_holds_is_a_plan_error(project: Project) -> None:
    with httpx.Client(
        base_url=f"{project.url}/api/v1", auth=DEFAULT_MANAGER, headers={"User-Agent": "t"}
    ) as api:
        body = {"username": "mallory", "email": "Carol@example.com", "password": "elsewhere-1"}
        assert api.post("/users", json={**body, "plan": "Free"}).status_code == 201
    result = project.run("plan")
    assert result.exit_code == 1
    held = "tradervue_user.carol: e-mail carol@example.com is already held by Tradervue user"
    assert f"{held} mallory" in result.output
    assert held in result.output
    assert "Traceback" not in result.output


def test_importing_another_traders_id_is_refused(project: Project) -> None:
    applied(project)
    bob = str(users(project)["bob.jones"]["id"])
    assert project.run("state", "rm", "tradervue_user.alice").exit_code == 0
    result = project.run("import", "tradervue_user.alice", bob)
    assert result.exit_code == 1
    assert f"object {bob} is not tradervue_user.alice" in result.output
    assert "tradervue_user.alice" not in state(project)


def test_a_recorded_id_of_another_traders_user_is_refused_at_refresh(project: Project) -> None:
    applied(project)
    document = json.loads(project.state_file.read_text())
    resources = document["resources"]
    resources["tradervue_user.carol"]["remote_id"] = resources["tradervue_user.bob"]["remote_id"]
    project.state_file.write_text(json.dumps(document))
    result = project.run("plan")
    assert result.exit_code == 1
    assert "tradervue_user.carol: state records Tradervue user" in result.output
    assert "the user of tradervue_user.bob" in result.output


def test_a_per_item_failure_is_reported_while_the_rest_lands(project: Project) -> None:
    project.write(
        "traders/frank.yaml",
        """\
        kind: Trader
        name: frank
        username: frank.green
        email: outsider@other-org.invalid
        first_name: Frank
        last_name: Green
        password: {generate: true}
        tradervue: {plan: Free}
        """,
    )
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 1
    assert "error: tradervue_user.frank: " in result.output
    assert "email has already been taken" in result.output
    recorded = state(project)
    assert {"tradervue_user.alice", "tradervue_user.bob", "tradervue_user.carol"} <= set(recorded)
    assert "tradervue_user.frank" not in recorded
    planned = project.run("plan").output
    assert "+ tradervue_user.frank (create)" in planned
    assert "1 to create" in planned


@pytest.mark.parametrize(
    ("trial_end", "why"),
    [
        ("2026-03-02", "is not after today (2026-03-02, UTC)"),
        ("2026-04-02", "is more than 30 days after today (2026-03-02, UTC)"),
    ],
    ids=["today", "too-long"],
)
def test_a_trial_end_the_platform_would_refuse_is_a_plan_time_error(
    project: Project, trial_end: str, why: str
) -> None:
    """The Tradervue document: a trial end beyond the organization's maximum trial length gets
    a 400 and no user. The plan foresees it, by the platform's date (its `Date` header)."""
    edit(project, "traders/team.yaml", "{plan: Free,", f"{{plan: Free, trial_end: {trial_end},")
    assert project.run("validate").exit_code == 0
    for args in (("plan",), ("apply", "--auto-approve")):
        result = project.run(*args)
        assert result.exit_code == 1
        assert f"tradervue_user.carol: trial_end {trial_end} {why}" in result.output
        assert "give a date from 2026-03-03 to 2026-04-01, or remove trial_end" in result.output
    assert api_calls(project, writes_only=True) == []


def test_the_firm_sets_its_maximum_trial_length(project: Project) -> None:
    """`max_trial_days` (the organization's own maximum) replaces the assumed 30 days."""
    edit(project, "traders/team.yaml", "{plan: Free,", "{plan: Free, trial_end: 2026-04-20,")
    assert "is more than 30 days after" in project.run("plan").output
    edit(
        project,
        "firm.yaml",
        "organization: sandbox-prop",
        "organization: sandbox-prop\n    max_trial_days: 60",
    )
    assert "+ tradervue_user.carol (create)" in project.run("plan").output


def test_renaming_a_mentor_moves_the_mentees_record_along(project: Project) -> None:
    """bob's mentor is recorded by trader name: once alice is renamed (a `moved` entry) and
    bob names her new key, state follows without a platform call and without a lasting note."""
    applied(project)
    edit(project, "traders/alice.yaml", "name: alice\n", "name: alicia\n")
    edit(project, "traders/team.yaml", "{mentor: alice}", "{mentor: alicia}")
    firm = project.manifests / "firm.yaml"
    firm.write_text(firm.read_text() + "moved:\n  - {from: alice, to: alicia}\n")
    planned = project.run("plan").output
    assert "can only be set when it is created" not in planned
    assert "tradervue_user.alice has moved to tradervue_user.alicia" in planned
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert api_calls(project, writes_only=True) == []
    assert state(project)["tradervue_user.bob"]["attributes"]["settings"]["mentor"] == "alicia"
    firm.write_text(firm.read_text().split("moved:")[0])
    again = project.run("plan")
    assert "No changes." in again.output
    assert "can only be set when it is created" not in again.output


def test_state_mv_of_a_mentor_moves_the_mentees_record_along(project: Project) -> None:
    applied(project)
    edit(project, "traders/alice.yaml", "name: alice\n", "name: alicia\n")
    edit(project, "traders/team.yaml", "{mentor: alice}", "{mentor: alicia}")
    moved = project.run("state", "mv", "alice", "alicia")
    assert moved.exit_code == 0, moved.output
    assert state(project)["tradervue_user.bob"]["attributes"]["settings"]["mentor"] == "alicia"
    planned = project.run("plan")
    assert "No changes." in planned.output
    assert "can only be set when it is created" not in planned.output


def test_a_removed_trader_is_downgraded_to_free_and_forgotten(project: Project) -> None:
    applied(project)
    carol_id = users(project)["carol.white"]["id"]
    edit(project, "traders/team.yaml", "tradervue: {plan: Free,", "tradervue: {plan: Gold,")
    applied(project)
    text = (project.manifests / "traders/team.yaml").read_text()
    project.write("traders/team.yaml", text.split("- name: carol")[0])
    planned = project.run("plan").output
    assert "- tradervue_user.carol (cancel)" in planned
    assert "1 to cancel" in planned
    project.clear_requests()
    assert project.run("apply", "--auto-approve").exit_code == 0
    assert api_calls(project, writes_only=True) == [f"PUT /api/v1/users/{carol_id}"]
    assert "tradervue_user.carol" not in state(project)
    carol = users(project)["carol.white"]
    assert (carol["plan"], carol["org"]) == ("Free", "sandbox-prop")  # the account stays
    assert "No changes." in project.run("plan").output


def test_status_cancelled_offboards_the_trader(project: Project) -> None:
    applied(project)
    edit(
        project,
        "traders/team.yaml",
        "  username: carol.white\n",
        "  username: carol.white\n  status: cancelled\n",
    )
    assert "- tradervue_user.carol (cancel)" in project.run("plan").output
    assert project.run("apply", "--auto-approve").exit_code == 0
    assert "tradervue_user.carol" not in state(project)
    assert users(project)["carol.white"]["plan"] == "Free"


def test_offboarding_a_user_that_already_left_succeeds(project: Project) -> None:
    applied(project).admin("users/carol.white/remove")
    edit(
        project,
        "traders/team.yaml",
        "  username: carol.white\n",
        "  username: carol.white\n  status: cancelled\n",
    )
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "tradervue_user.carol" not in state(project)


def test_an_existing_unrecorded_user_is_a_conflict_until_adopted(project: Project) -> None:
    with httpx.Client(
        base_url=f"{project.url}/api/v1", auth=DEFAULT_MANAGER, headers={"User-Agent": "t"}
    ) as api:
        body = {
            "username": "Carol.White",
            "email": "carol@example.com",
            "plan": "Free",
            "password": "elsewhere-1",
        }
        assert api.post("/users", json=body).status_code == 201
    result = project.run("plan")
    assert result.exit_code == 1
    assert "tradervue_user.carol" in result.output
    assert "--adopt" in result.output
    adopted = project.run("apply", "--auto-approve", "--adopt")
    assert adopted.exit_code == 0, adopted.output
    assert '~ username = "Carol.White" -> "carol.white"' in adopted.output
    assert "No changes." in project.run("plan").output


def test_the_organisation_manager_is_never_managed(project: Project) -> None:
    edit(project, "traders/team.yaml", "username: dave.brown", f"username: {DEFAULT_MANAGER[0]}")
    edit(
        project,
        "traders/team.yaml",
        "  last_name: Brown\n",
        "  last_name: Brown\n  password: {generate: true}\n  tradervue: {plan: Gold}\n",
    )
    result = project.run("plan")
    assert result.exit_code == 1
    assert "organization manager" in result.output


def test_an_ineligible_mentor_is_a_validation_error_at_its_line(project: Project) -> None:
    edit(
        project,
        "traders/team.yaml",
        "tradervue: {settings: {mentor: alice}}",
        "tradervue: {settings: {mentor: carol}}",
    )
    result = project.run("validate")
    assert result.exit_code == 1
    path = project.manifests / "traders" / "team.yaml"
    assert (
        f"{path}:7: tradervue.settings.mentor: mentor 'carol' is on the Free plan; "
        "a mentor must be on Silver or Gold"
    ) in result.output
    assert project.run("plan").exit_code == 1


@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"),
    [
        ("mentor: alice", "mentor: dave", 7, "mentor 'dave' is not a declared trader"),
        ("mentor: alice", "mentor: bob", 7, "a trader cannot be their own mentor"),
        ("{plan: Free,", "{plan: Bronze,", 14, "tradervue.plan: Input should be"),
        ("username: carol.white", "username: carol white", 9, "Tradervue usernames are 1 to 40"),
        ("{plan: Free,", "{plan: Free, trial_end: soon,", 14, "trial_end must be a date"),
    ],
    ids=["undeclared-mentor", "own-mentor", "unknown-plan", "username-with-space", "trial-end"],
)
def test_validation_errors_name_file_and_line(
    project: Project, old: str, new: str, line: int, fragment: str
) -> None:
    edit(project, "traders/team.yaml", old, new)
    result = project.run("validate")
    assert result.exit_code == 1
    path = project.manifests / "traders" / "team.yaml"
    assert any(
        x.startswith(f"{path}:{line}:") and fragment in x for x in result.output.splitlines()
    ), result.output


def test_secrets_never_reach_state_or_output(project: Project) -> None:
    outputs = [project.run("plan").output, project.run("apply", "--auto-approve").output]
    outputs += [project.run("plan").output, project.run("show").output]
    recorded = project.state_file.read_text()
    for secret in SECRETS.values():
        assert secret not in recorded
        assert all(secret not in output for output in outputs)
    assert json.loads(recorded)["resources"]["tradervue_user.alice"]["attributes"][
        "password"
    ].startswith("hmac-sha256:")
