"""plan / apply / plan against the Tradovate sandbox, through the CLI and real HTTP."""

from __future__ import annotations

import json
import stat

from tests.project import SECRETS, Project, calls


def test_first_plan_shows_every_create_and_waits_for_the_signature(project: Project) -> None:
    result = project.run("plan")
    assert result.exit_code == 0, result.output
    out = result.output
    for address in (
        "tradovate_user.alice",
        "tradovate_contact.alice",
        "tradovate_account.alice/TESTA1",
        "tradovate_account.bob/TESTB3",
        "tradovate_user.carol",
    ):
        assert f"+ {address}" in out
    waits = "⋯ 1 trader waiting for the Market Data Agreement signature (user not created yet)"
    assert f"{waits}: alice" in out  # grouped by reason
    assert "tradovate_entitlement.alice/t-prop" not in out
    listed = project.run("plan", "--show-waits").output
    assert "⋯ tradovate_entitlement.alice/t-prop (wait)" in listed
    assert "Plan: 9 to create, 0 to update, 0 to replace, 0 to entitle, 0 to cancel." in out
    assert not project.state_file.exists(), "plan must not write state"


def test_apply_then_plan_shows_no_changes(project: Project) -> None:
    applied = project.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "Apply complete: 9 succeeded, 0 failed, 0 skipped" in applied.output
    again = project.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "No changes." in again.output
    assert "1 waiting" in again.output


def test_apply_uses_batched_creates_and_list_reads(project: Project) -> None:
    project.run("apply", "--auto-approve")
    writes = calls(project, writes_only=True)
    assert writes.count("POST live /v1/user/createevaluationusers") == 1
    assert writes.count("POST demo /v1/user/createevaluationaccounts") == 1
    assert writes.count("POST live /v1/contactinfo/updatecontactinfo") == 2
    assert len(writes) == 4
    reads = [c for c in calls(project) if c.startswith("GET")]
    assert not any("/item" in c or "/find" in c for c in reads), reads


def test_second_apply_changes_nothing_on_the_platform(project: Project) -> None:
    project.run("apply", "--auto-approve")
    project.clear_requests()
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0
    assert calls(project, writes_only=True) == []


def test_signature_gate_entitles_after_signing_and_completes_the_signal(project: Project) -> None:
    project.run("apply", "--auto-approve")
    project.admin("users/alice.smith/sign-mda")
    planned = project.run("plan")
    assert "! tradovate_entitlement.alice/t-prop" in planned.output
    assert "1 to entitle" in planned.output
    applied = project.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    world = project.world()
    plugins = [p for p in world["userPlugins"] if p["approval"]]
    assert len(plugins) == 1
    assert world["adminAlertSignals"]
    assert all(s["completed"] for s in world["adminAlertSignals"])
    assert "No changes." in project.run("plan").output


def test_state_and_output_never_hold_a_secret(project: Project) -> None:
    applied = project.run("apply", "--auto-approve")
    shown = project.run("show")
    state = project.state_file.read_text()
    handout = project.root / "state" / "generated-passwords.csv"
    generated = [line.split(",")[4] for line in handout.read_text().splitlines()[1:]]
    assert len(generated) == 2
    assert stat.S_IMODE(handout.stat().st_mode) == 0o600
    for secret in [*SECRETS.values(), *generated]:
        for text in (applied.output, shown.output, state):
            assert secret not in text
    assert "(sensitive)" in shown.output


def test_show_lists_addresses_and_remote_ids(project: Project) -> None:
    project.run("apply", "--auto-approve")
    document = json.loads(project.state_file.read_text())
    user_id = document["resources"]["tradovate_user.alice"]["remote_id"]
    shown = project.run("show").output
    assert "tradovate_account.bob/TESTB3" in shown
    assert user_id in shown


def test_apply_without_approval_outside_a_terminal_is_refused(project: Project) -> None:
    result = project.run("apply")
    assert result.exit_code == 1
    assert "--auto-approve" in result.output
    assert not project.state_file.exists()


def test_a_lost_digest_key_is_refused_instead_of_resetting_every_password(
    project: Project,
) -> None:
    project.run("apply", "--auto-approve")
    assert json.loads(project.state_file.read_text())["key_check"].startswith("hmac-sha256:")
    key_file = project.state_file.with_name("default.state.key")
    assert key_file.exists()
    key_file.unlink()  # lost: a new random key would make every digest differ
    result = project.run("plan")
    assert result.exit_code == 1
    assert "state key file" in result.output
    assert "is missing" in result.output
    assert "every password would look changed" in result.output
    assert "tradovate_user" not in result.output
    assert not key_file.exists()  # no new key to overwrite when the old one is put back
    key_file.write_text("ab" * 32 + "\n")  # another key
    replaced = project.run("plan")
    assert replaced.exit_code == 1
    assert "key of the secret digests" in replaced.output
