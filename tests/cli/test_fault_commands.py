"""`reconciler sandbox fault ...`: arming faults from the command line, on a standing sandbox and
on the embedded one (kept with its data for the next command)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from reconciler.cli.main import main
from tests.project import Project

CREATE_USERS = "/live/v1/user/createevaluationusers"


def fault(project: Project, *args: str) -> str:
    result = project.run("sandbox", "--url", project.url, "fault", *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_lost_create_answer_fails_the_apply_and_the_next_apply_adopts(project: Project) -> None:
    armed = fault(project, "add", "--path", CREATE_USERS, "--effect", "reset", "--after-commit")
    assert f"* {CREATE_USERS}: reset, after commit (1 left)" in armed
    failed = project.run("apply", "--auto-approve")
    assert failed.exit_code == 1
    assert "network error" in failed.output
    assert "1 hit(s)" in fault(project, "list")
    assert "adopt existing remote object" in project.run("plan").output
    assert project.run("apply", "--auto-approve").exit_code == 0
    names = Counter(u["name"] for u in project.world()["users"])
    assert names["alice.smith"] == names["bob.jones"] == names["carol.white"] == 1
    assert project.run("plan", "--detailed-exitcode").exit_code == 0
    assert json.loads(project.state_file.read_text())["pending"] == {}


def test_a_session_expiring_on_the_first_call_after_sign_in_is_recovered(
    project: Project,
) -> None:
    """An `expire-token` fault on the very first call after sign-in: sign in again, go on."""
    fault(project, "add", "--path", "/live/v1/user/list", "--effect", "expire-token")
    result = project.run("plan")
    assert result.exit_code == 0, result.output
    assert "+ tradovate_user.alice (create)" in result.output
    assert "1 hit(s)" in fault(project, "list")
    calls = [(e["path"], e["status"]) for e in project.requests() if e["domain"] != "admin"]
    assert calls[:4] == [
        ("/live/v1/auth/accesstokenrequest", 200),
        ("/live/v1/user/list", 401),
        ("/live/v1/auth/accesstokenrequest", 200),
        ("/live/v1/user/list", 200),
    ]


def test_list_clear_and_seed(project: Project) -> None:
    fault(project, "add", "--method", "GET", "--status", "502", "--always", "--probability", "0.5")
    assert "GET *: HTTP 502, before processing (always)" in fault(project, "list")
    assert "1 fault(s) armed" in fault(project, "seed", "42")
    assert "0 fault(s) armed, 0 hit(s)." in fault(project, "clear")


def test_an_invalid_fault_is_refused_with_exit_one(project: Project) -> None:
    result = project.run("sandbox", "--url", project.url, "fault", "add", "--status", "404")
    assert result.exit_code == 1
    assert "invalid fault: invalid status" in result.output


def test_faults_armed_on_the_embedded_sandbox_are_kept_with_its_data(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["sandbox", "--platform", "traderpal", "--data-dir", str(tmp_path), "fault"]
    added = runner.invoke(main, [*base, "add", "--path", "/v1/users", "--times", "2"])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(main, [*base, "list"])
    assert "* /v1/users: HTTP 503, before processing (2 left)" in listed.output
    assert (tmp_path / "traderpal.faults.json").exists()
    assert "0 fault(s) armed" in runner.invoke(main, [*base, "clear"]).output
