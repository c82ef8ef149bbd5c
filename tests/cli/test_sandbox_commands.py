"""`reconciler sandbox ...` admin commands acting on a standing sandbox."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from reconciler.cli import main
from tests.project import Project


def admin(project: Project, *args: str) -> str:
    result = project.run("sandbox", "--url", project.url, *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_sign_mda_lets_the_next_apply_entitle(project: Project) -> None:
    project.run("apply", "--auto-approve")
    assert "signed the Market Data Agreement" in admin(project, "sign-mda", "alice.smith")
    assert "! tradovate_entitlement.alice/t-prop" in project.run("plan").output


def test_update_contact_creates_drift_that_plan_shows(project: Project) -> None:
    project.run("apply", "--auto-approve")
    admin(project, "update-contact", "alice.smith", "city=Boston")
    assert '~ city = "Boston" -> "Chicago"' in project.run("plan").output


def test_requests_lists_the_calls_served(project: Project) -> None:
    project.run("plan")
    output = admin(project, "requests")
    assert "GET live /live/v1/user/list 200" in output


def test_unknown_user_is_a_clear_error(project: Project) -> None:
    result = project.run("sandbox", "--url", project.url, "sign-mda", "nobody")
    assert result.exit_code == 1
    assert "not found" in result.output


def test_generic_admin_action_reaches_the_chosen_platform(project: Project) -> None:
    project.run("apply", "--auto-approve")
    output = admin(project, "admin", "users/carol.white/update", "email=carol@elsewhere.com")
    assert "carol@elsewhere.com" in project.run("plan").output
    assert output


def test_unknown_platform_is_a_usage_error_with_exit_one(project: Project) -> None:
    result = project.run("sandbox", "--platform", "nowhere", "requests")
    assert result.exit_code == 1
    assert "unknown platform" in result.output


FIRM_ELSEWHERE = """\
kind: Firm
name: test-prop
settings: {state: {path: st2}}
providers: {tradovate: {environment: sandbox}}
"""

TRADER = """\
kind: Trader
name: alice
username: alice.smith
email: alice@example.com
first_name: Alice
last_name: Smith
password: {generate: true}
tradovate: {}
"""


def test_admin_commands_use_the_sandbox_data_of_the_state_path(tmp_path: Path) -> None:
    """With `settings.state.path: st2` the embedded sandbox keeps its data in st2/sandbox; the
    sandbox commands find it there without --data-dir (which still overrides)."""
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "firm.yaml").write_text(FIRM_ELSEWHERE, encoding="utf-8")
    (manifests / "alice.yaml").write_text(TRADER, encoding="utf-8")

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, ["--no-color", "--manifests", str(manifests), *args])
        return result.exit_code, result.output

    code, output = run("apply", "--auto-approve")
    assert code == 0, output
    assert (tmp_path / "st2" / "sandbox" / "tradovate.json").exists()
    code, output = run("sandbox", "sign-mda", "alice.smith")
    assert code == 0, output
    assert "alice.smith signed the Market Data Agreement." in output
    code, output = run("sandbox", "--data-dir", str(tmp_path / "elsewhere"), "sign-mda", "alice")
    assert code == 1
    assert "not found" in output
    assert not (tmp_path / "state").exists()
