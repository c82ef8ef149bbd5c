"""Shared fixtures: a project wired to a fresh Tradovate sandbox (see tests/project.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.providers.tradovate.sandbox import DEFAULT_ADMIN, SandboxConfig, serve_sandbox
from tests.project import ALICE, FIRM, SECRETS, TEAM, Project


@pytest.fixture(autouse=True)
def _outside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands choose `--format github` by themselves inside GitHub Actions; tests run as
    in a terminal session unless they set GITHUB_ACTIONS themselves."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


@pytest.fixture(scope="session")
def parse_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("parse-cache")


@pytest.fixture(autouse=True)
def _parse_cache_of_the_session(monkeypatch: pytest.MonkeyPatch, parse_cache_dir: Path) -> None:
    """Commands cache manifest files in the session's folder, not in the user's home."""
    monkeypatch.setenv("RECONCILER_CACHE_DIR", str(parse_cache_dir))


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig()


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_config: SandboxConfig
) -> Iterator[Project]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    with serve_sandbox(sandbox_config) as server:
        project = Project(tmp_path, server.url, CliRunner())
        project.write(
            "firm.yaml",
            FIRM.format(live=server.live_url, demo=server.demo_url, name=DEFAULT_ADMIN[0]),
        )
        project.write("traders/alice.yaml", ALICE)
        project.write("traders/team.yaml", TEAM)
        yield project
