"""The `.pre-commit-hooks.yaml` of this repository, run by the real `pre-commit try-repo` in a
temporary git repository of manifests (pre-commit installs this repository in its own
environment, from the package index for the dependencies)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "manifests"
PERSON = "email: {who}@example.com\nfirst_name: {Who}\nlast_name: Doe\n"
MESSY = "# kept\nusername: zed.zulu\nname: zed   # key\nkind: Trader\n" + PERSON.format(
    who="zed", Who="Zed"
)
FORMATTED = (
    "# kept\nkind: Trader\nname: zed   # key\nusername: zed.zulu\n"
    "email: zed@example.com\nfirst_name: Zed\nlast_name: Doe\n"
)
INVALID = "kind: Trader\nname: yan\nusername: yan.yu\n" + PERSON.format(
    who="yan", Who="Yan"
).replace("yan@example.com", "not-an-email")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def pre_commit_home(tmp_path: Path) -> Path:
    """Where pre-commit keeps its hook environments, apart from the user's."""
    return tmp_path / "pre-commit-home"


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    repo = tmp_path / "firm"
    shutil.copytree(EXAMPLES, repo / "manifests")
    git(repo.parent, "init", "-q", str(repo))
    return repo


def try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }
    env.pop("GITHUB_ACTIONS", None)
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "--all-files"]
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=False)


def test_the_hooks_file_declares_fmt_and_validate_on_manifest_yaml() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"reconciler-fmt", "reconciler-validate"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["files"] == r"^manifests/.*\.ya?ml$"
    assert hooks["reconciler-validate"]["pass_filenames"] is False


def test_fmt_fixes_a_badly_formatted_file_and_validate_fails_on_an_invalid_one(
    repository: Path, pre_commit_home: Path
) -> None:
    """Both hooks in one try-repo run (each run installs this repository afresh when it has
    uncommitted changes), then again once the invalid file is fixed."""
    messy = repository / "manifests" / "traders" / "messy.yaml"
    messy.write_text(MESSY)
    invalid = repository / "manifests" / "traders" / "yan.yaml"
    invalid.write_text(INVALID)
    git(repository, "add", "-A")
    first = try_repo(repository, pre_commit_home)
    assert first.returncode == 1, first.stdout + first.stderr
    fmt, validate = first.stdout.split("reconciler validate", 1)
    assert "files were modified by this hook" in fmt
    assert f"reformatted {Path('manifests/traders/messy.yaml')}" in fmt
    assert messy.read_text() == FORMATTED
    assert (
        "manifests/traders/yan.yaml:4: email: 'not-an-email' is not a valid e-mail address"
        in validate
    ), validate
    invalid.write_text(INVALID.replace("not-an-email", "yan@example.com"))
    git(repository, "add", "-A")
    second = try_repo(repository, pre_commit_home)
    assert second.returncode == 0, second.stdout + second.stderr
