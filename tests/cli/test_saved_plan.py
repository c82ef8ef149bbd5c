"""Saved plans through the CLI: `plan --out`, `show FILE`, and `apply FILE` executing exactly the
reviewed plan, or refusing when the state, the manifests or the platforms changed since."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.project import SECRETS, Project, calls


def saved(project: Project, *args: str) -> Path:
    path = project.root / "plan.json"
    result = project.run("plan", "--out", str(path), *args)
    assert result.exit_code == 0, result.output
    return path


def applied(project: Project) -> Project:
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    project.clear_requests()
    return project


def test_apply_of_a_saved_plan_does_exactly_what_it_lists_without_asking(project: Project) -> None:
    path = saved(project)
    assert "Saved the plan to" in project.run("plan", "--out", str(path)).stderr
    project.clear_requests()
    result = project.run("apply", str(path))  # no terminal, no --auto-approve: it was reviewed
    assert result.exit_code == 0, result.output
    assert "Apply complete: 9 succeeded, 0 failed, 0 skipped" in result.output
    assert calls(project, writes_only=True).count("POST live /v1/user/createevaluationusers") == 1
    again = project.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output


def test_a_saved_plan_cannot_be_applied_twice(project: Project) -> None:
    path = saved(project)
    assert project.run("apply", str(path)).exit_code == 0
    project.clear_requests()
    second = project.run("apply", str(path))
    assert second.exit_code == 1
    assert "Error: the plan was made before any state existed" in second.output
    assert calls(project, writes_only=True) == []


def test_a_plan_made_before_the_state_changed_is_refused(project: Project) -> None:
    path = saved(applied(project))  # nothing to do but a plan all the same
    project.admin("users/carol.white/update", {"email": "carol@elsewhere.com"})
    assert project.run("apply", "--auto-approve").exit_code == 0  # state moves on
    project.clear_requests()
    result = project.run("apply", str(path))
    assert result.exit_code == 1
    assert "Error: the plan was made from state serial" in result.output
    assert "run plan again" in result.output
    assert calls(project, writes_only=True) == []


def test_a_plan_made_before_the_manifests_changed_is_refused(project: Project) -> None:
    path = saved(project)
    project.write(
        "traders/dave.yaml",
        (project.manifests / "traders/alice.yaml")
        .read_text()
        .replace("alice", "dave")
        .replace("TESTA1", "TESTD1"),
    )
    result = project.run("apply", str(path))
    assert result.exit_code == 1
    assert "Error: the manifests changed since the plan was made; run plan again" in result.output
    assert not project.state_file.exists()


def test_a_plan_made_with_another_secret_value_is_refused(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = saved(project)
    monkeypatch.setenv("ALICE_PASS", "another-Pass-5678")
    result = project.run("apply", str(path))
    assert result.exit_code == 1
    assert "values the manifests reference" in result.output


def test_a_planned_change_the_platform_no_longer_needs_is_refused(project: Project) -> None:
    applied(project).admin("users/carol.white/update", {"email": "carol@elsewhere.com"})
    path = saved(project)
    assert "~ tradovate_user.carol" in project.run("show", str(path)).output
    project.admin("users/carol.white/update", {"email": "carol@third.com"})  # other values now
    result = project.run("apply", str(path))
    assert result.exit_code == 1
    assert "the platforms changed since the plan was made: tradovate_user.carol" in result.output
    assert calls(project, writes_only=True) == []


def test_a_change_that_appeared_since_the_plan_is_not_applied(project: Project) -> None:
    applied(project).admin("users/carol.white/update", {"email": "carol@elsewhere.com"})
    path = saved(project)
    project.admin("users/bob.jones/update", {"email": "bob@elsewhere.com"})
    result = project.run("apply", str(path))
    assert result.exit_code == 0, result.output
    assert (
        "Warning: 1 change(s) appeared since the plan was made and are not applied" in result.stderr
    )
    assert "tradovate_user.bob (update)" in result.stderr
    planned = project.run("plan").output
    assert "~ tradovate_user.bob" in planned
    assert "tradovate_user.carol" not in planned


def test_a_saved_plan_keeps_its_options_and_refuses_new_ones(project: Project) -> None:
    path = saved(project, "--target", "carol")
    for option in (["--auto-approve"], ["--target", "alice"], ["--max-cancel", "9"], ["--adopt"]):
        refused = project.run("apply", str(path), *option)
        assert refused.exit_code == 1
        assert "cannot be used with a saved plan" in refused.output
    result = project.run("apply", str(path))
    assert result.exit_code == 0, result.output
    state = json.loads(project.state_file.read_text())["resources"]
    assert sorted(state) == ["tradovate_account.carol/TESTC4", "tradovate_user.carol"]


def test_the_plan_file_holds_no_secret(project: Project) -> None:
    path = saved(project)
    text = path.read_text()
    for secret in SECRETS.values():
        assert secret not in text
    assert '"password": "(sensitive)"' in text
    document = json.loads(text)
    assert document["format"] == "reconciler-plan"
    assert document["summary"]["create"] == 9


@pytest.mark.parametrize(
    ("output_format", "expected"),
    [
        ("text", "+ tradovate_user.alice (create)"),
        ("markdown", "<details><summary><b>alice</b>: 3 to create, 1 waiting</summary>"),
        ("json", '"kind": "plan"'),
    ],
    ids=["text", "markdown", "json"],
)
def test_show_renders_a_saved_plan_in_every_format(
    project: Project, output_format: str, expected: str
) -> None:
    path = saved(project)
    result = project.run("show", str(path), "--format", output_format)
    assert result.exit_code == 0, result.output
    assert expected in result.output
    if output_format == "json":
        assert json.loads(result.output)["options"]["max_cancel"] == 5


def test_show_refuses_a_file_that_is_not_a_plan(project: Project) -> None:
    path = project.root / "notes.json"
    path.write_text('{"hello": 1}')
    result = project.run("show", str(path))
    assert result.exit_code == 1
    assert "Error: not a saved plan" in result.output
    assert project.run("apply", str(project.root / "missing.json")).exit_code == 1


def test_a_saved_plan_reaches_the_disk_before_it_replaces_the_previous_one(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan file is synced (as state files are), so a crash cannot leave an empty plan."""
    synced: list[int] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(os.fstat(fd).st_ino)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    path = saved(project)
    assert path.stat().st_ino in synced
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".plan.json")] == []
