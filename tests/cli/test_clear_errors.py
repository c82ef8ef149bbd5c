"""One error per cause, as a user sees it: a broken file drags no follow-on errors, aliases
and tabs are said once and plainly, an empty file and a missing directory are named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import main

EXAMPLE = Path(__file__).parents[2] / "manifests"


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "manifests")
    return tmp_path / "manifests"


def validate(manifests: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["--no-color", "--manifests", str(manifests), "validate"])
    return result.exit_code, result.output.splitlines()


def test_a_broken_trader_file_does_not_make_its_mentee_wrong(manifests: Path) -> None:
    (manifests / "traders" / "alice.yaml").write_text("kind: Trader\nname: alice\n  bad: [\n")

    code, lines = validate(manifests)

    assert code == 1
    assert lines == [
        f"{manifests}/traders/alice.yaml:3: invalid YAML: mapping values are not allowed in "
        "this context",
        "Error: 1 problem(s) in the manifests",
    ]


def test_an_invalid_mentor_is_one_error_not_two(manifests: Path) -> None:
    alice = manifests / "traders" / "alice.yaml"
    alice.write_text(alice.read_text().replace("email: alice@example.com", "email: nope"))

    code, lines = validate(manifests)

    assert code == 1
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{alice}:")
    assert "email" in lines[0]


def test_without_a_firm_only_the_missing_firm_is_reported(manifests: Path) -> None:
    (manifests / "firm.yaml").unlink()

    code, lines = validate(manifests)

    assert code == 1
    assert lines == [
        f"{manifests}: no Firm declared: exactly one document needs kind: Firm",
        "Error: 1 problem(s) in the manifests",
    ]


def test_a_billion_aliases_are_one_error(manifests: Path) -> None:
    row = "[" + ",".join(["*a"] * 9) + "]"
    (manifests / "traders" / "lol.yaml").write_text(
        'kind: Trader\nx: &a ["lol", "lol"]\n' + "".join(f"y{i}: {row}\n" for i in range(9))
    )

    code, lines = validate(manifests)

    alias = [line for line in lines if "YAML aliases" in line]
    assert code == 1
    assert alias == [
        f"{manifests}/traders/lol.yaml:3: YAML aliases (*name) are not supported: write the "
        "value out (81 aliases in this file)"
    ]


def test_a_tab_in_the_indentation_is_named_with_its_column(manifests: Path) -> None:
    tabbed = "kind: Trader\nname: zed\ncontact:\n  \tcity: x\n"
    (manifests / "traders" / "tab.yaml").write_text(tabbed)

    code, lines = validate(manifests)

    assert code == 1
    assert lines[0] == (
        f"{manifests}/traders/tab.yaml:4: invalid YAML: a tab indents this line (column 3); "
        "indent with spaces"
    )


@pytest.mark.parametrize(
    "content", ["", "---\n", "# only a comment\n---\n"], ids=["empty", "dashes", "comment"]
)
def test_an_empty_manifest_file_is_warned_about_by_name(manifests: Path, content: str) -> None:
    (manifests / "traders" / "empty.yaml").write_text(content)

    result = CliRunner().invoke(main, ["--no-color", "--manifests", str(manifests), "validate"])

    assert result.exit_code == 0
    assert f"{manifests}/traders/empty.yaml:1: warning: the file declares nothing" in result.stderr


def test_a_missing_manifests_directory_does_not_exist(tmp_path: Path) -> None:
    code, lines = validate(tmp_path / "nope")
    (tmp_path / "file").write_text("")
    not_dir, other = validate(tmp_path / "file")

    assert lines[0] == f"{tmp_path / 'nope'}: does not exist"
    assert other[0] == f"{tmp_path / 'file'}: not a directory"
    assert code == not_dir == 1
