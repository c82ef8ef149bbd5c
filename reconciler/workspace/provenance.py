"""Provenance of an apply for the audit trail: who ran it, where, from which plan and which
git commit of the manifests (from the CI's environment, else `git rev-parse HEAD`)."""

from __future__ import annotations

import getpass
import hashlib
import re
import socket
import subprocess
from collections.abc import Mapping
from pathlib import Path

from reconciler.plan import Plan
from reconciler.state import Provenance

COMMIT_ENVS = ("RECONCILER_GIT_COMMIT", "GITHUB_SHA", "CI_COMMIT_SHA", "BUILD_VCS_NUMBER")
"""Where CI systems put the commit being built, in the order they are looked at."""

_COMMIT = re.compile(r"^[0-9a-f]{7,64}$")
_GIT_TIMEOUT_SECONDS = 5


def provenance(
    command: str, *, root: Path, plan: Plan | None, environ: Mapping[str, str]
) -> Provenance:
    """The provenance of `command` run on the manifests under `root`."""
    return Provenance(
        actor=f"{_user()}@{socket.gethostname()}",
        command=command,
        plan=plan_id(plan) if plan is not None else None,
        commit=git_commit(root, environ=environ),
    )


def plan_id(plan: Plan) -> str:
    """A short stable id of a plan: what it was made from and when."""
    made_from = f"{plan.lineage}:{plan.serial}:{plan.manifest_digest}:{plan.created_at}"
    return hashlib.sha256(made_from.encode("utf-8")).hexdigest()[:12]


def git_commit(root: Path, *, environ: Mapping[str, str]) -> str | None:
    """The commit of the manifests: a CI variable, else git's HEAD when `root` is in a clean
    checkout (`<commit>+dirty` when the manifests have uncommitted edits); None without git."""
    for name in COMMIT_ENVS:
        value = environ.get(name, "").strip().lower()
        if _COMMIT.match(value):
            return value
    head = _git(root, "rev-parse", "HEAD")
    if head is None or not _COMMIT.match(head):
        return None
    status = _git(root, "status", "--porcelain", "--", ".")
    return f"{head}+dirty" if status else head


def _git(root: Path, *args: str) -> str | None:
    try:
        completed = subprocess.run(
            ["git", *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


__all__ = ["COMMIT_ENVS", "git_commit", "plan_id", "provenance"]
