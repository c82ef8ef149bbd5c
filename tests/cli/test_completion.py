"""Shell completion through click's own machinery (what bash asks on TAB): commands, options,
trader names and addresses from the manifests and state."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "manifests"


def complete(line: str) -> list[str]:
    """The completions bash would offer for `line` (the cursor at its end)."""
    words = line.split(" ")
    result = CliRunner().invoke(
        main,
        [],
        prog_name="reconciler",
        env={
            "_RECONCILER_COMPLETE": "bash_complete",
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(words) - 1),
        },
    )
    assert result.exit_code == 0, result.output
    return [row.partition(",")[2] for row in result.stdout.splitlines() if row]


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "manifests")
    return tmp_path / "manifests"


def test_commands_and_options_complete() -> None:
    assert {"state", "status"} <= set(complete("reconciler sta"))
    assert complete("reconciler status --wa") == ["--waiting"]
    assert "--older-than" in complete("reconciler status --")


def test_trader_names_complete_from_the_manifests(manifests: Path) -> None:
    assert complete(f"reconciler --manifests {manifests} status --trader ") == [
        "alice",
        "bob",
        "carol",
    ]
    assert complete(f"reconciler --manifests {manifests} history b") == ["bob"]


def test_addresses_complete_for_targets_and_state_commands(manifests: Path) -> None:
    shown = complete(f"reconciler --manifests {manifests} state show tradovate_account.b")
    assert shown == ["tradovate_account.bob/SBXB1002", "tradovate_account.bob/SBXB1003"]
    targets = complete(f"reconciler --manifests {manifests} plan --target c")
    assert targets == ["carol"]
    assert "tradervue_user.carol" in complete(f"reconciler --manifests {manifests} plan --target t")


def test_unreadable_manifests_complete_nothing_without_an_error(tmp_path: Path) -> None:
    assert complete(f"reconciler --manifests {tmp_path / 'none'} status --trader a") == []
