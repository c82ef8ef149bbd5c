"""The README's quick start on a copy of the example manifests, with the embedded sandboxes."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from reconciler.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "manifests"


def test_a_newcomer_sees_creates_then_no_changes_on_all_three_platforms(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "manifests")
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(
            main,
            ["--no-color", "--manifests", str(tmp_path / "manifests"), *args],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        return result.output

    assert "The manifests are valid: 3 trader(s)" in run("validate")
    planned = run("plan")
    for kind in ("tradovate_user", "tradervue_user", "traderpal_user"):
        assert f"+ {kind}.alice (create)" in planned
    assert "Plan: 16 to create" in planned
    assert "Apply complete: 16 succeeded, 0 failed, 0 skipped" in run("apply", "--auto-approve")
    assert "No changes." in run("plan")
    assert (tmp_path / "state" / "sandbox" / "tradovate.json").exists()
