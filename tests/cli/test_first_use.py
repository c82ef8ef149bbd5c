"""A first use without rough edges: `--version`, `-h`, and a README set-up that starts with a
virtual environment and still takes two commands to a working apply and one to the tests."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_version_prints_the_installed_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    result = CliRunner().invoke(main, ["--version"])

    assert result.exit_code == 0
    assert result.output == f"reconciler {project['version']}\n"


@pytest.mark.parametrize("args", [["-h"], ["plan", "-h"], ["state", "list", "-h"]], ids=str)
def test_dash_h_is_help(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)

    assert result.exit_code == 0
    assert result.output.startswith("Usage: ")
    assert result.output == CliRunner().invoke(main, [*args[:-1], "--help"]).output


def test_the_readme_set_up_makes_a_virtual_environment_first() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Set-up\n\n```sh\n(.*?)```", readme, re.DOTALL)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]

    assert commands == [
        "python3 -m venv .venv && . .venv/bin/activate",
        "pip install -e '.[test]' && reconciler apply --auto-approve",
        "pytest",
    ]
