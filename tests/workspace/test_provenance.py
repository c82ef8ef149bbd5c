"""Provenance: the manifests' git commit from CI variables or git itself."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from reconciler.workspace import git_commit


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_a_ci_variable_wins() -> None:
    assert git_commit(Path("/nonexistent"), environ={"GITHUB_SHA": "ABCDEF1234567"}) == (
        "abcdef1234567"
    )


def test_outside_a_repository_there_is_no_commit(tmp_path: Path) -> None:
    assert git_commit(tmp_path, environ={}) is None


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_head_of_the_manifests_repository_and_dirty_edits(tmp_path: Path) -> None:
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "firm.yaml").write_text("kind: Firm\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "firm")
    head = git(tmp_path, "rev-parse", "HEAD")

    assert git_commit(manifests, environ={}) == head
    (manifests / "firm.yaml").write_text("kind: Firm\nname: x\n")
    assert git_commit(manifests, environ={}) == f"{head}+dirty"
