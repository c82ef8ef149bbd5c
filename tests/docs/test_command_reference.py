"""docs/commands.md documents every command and option `--help` shows and every environment
variable the code reads; CONTRIBUTING.md every variable that tunes the tests."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest

from reconciler.cli.main import main
from tests.docs.pages import ROOT, headings

REFERENCE = ROOT / "docs" / "commands.md"
_COMMAND_HEADING = re.compile(r"^`(reconciler(?: [a-z-]+)*)`$")
_OPTION = re.compile(r"(?<![\w-])(--?[a-z][a-z-]*)")
_VARIABLE = re.compile(r"\b(?:_?RECONCILER|GITHUB|CI|BUILD)_[A-Z_]+\b")
_TEST_KNOB = re.compile(r"(?:environ\.get\(\s*|_ENV = )\"(RECONCILER_[A-Z_]+)\"")


def command_tree() -> Iterator[tuple[str, click.Command, tuple[click.Command, ...]]]:
    """(path, command, its ancestors) of `reconciler` and every subcommand, lazy ones too."""

    def walk(
        command: click.Command, path: str, ancestors: tuple[click.Command, ...]
    ) -> Iterator[tuple[str, click.Command, tuple[click.Command, ...]]]:
        yield path, command, ancestors
        if isinstance(command, click.Group):
            context = click.Context(command, info_name=path)
            for name in command.list_commands(context):
                child = command.get_command(context, name)
                assert child is not None, name
                yield from walk(child, f"{path} {name}", (*ancestors, command))

    yield from walk(main, "reconciler", ())


def sections() -> dict[str, str]:
    """The text under each `` `reconciler ...` `` heading of the reference, up to the next
    heading."""
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    found = headings(REFERENCE)
    texts: dict[str, str] = {}
    for i, (_, text, number) in enumerate(found):
        match = _COMMAND_HEADING.match(text)
        if match:
            end = found[i + 1][2] - 1 if i + 1 < len(found) else len(lines)
            texts[match.group(1)] = "\n".join(lines[number:end])
    return texts


def option_names(command: click.Command) -> set[str]:
    names: set[str] = set()
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            names.update(param.opts)
            names.update(param.secondary_opts)
    return names


def descendants(command: click.Command) -> Iterator[click.Command]:
    if isinstance(command, click.Group):
        context = click.Context(command)
        for name in command.list_commands(context):
            child = command.get_command(context, name)
            if child is not None:
                yield child
                yield from descendants(child)


TREE = list(command_tree())


def test_every_section_of_the_reference_is_a_command() -> None:
    assert sorted(set(sections()) - {path for path, _, _ in TREE}) == []


@pytest.mark.parametrize(("path", "command", "ancestors"), TREE, ids=[p for p, _, _ in TREE])
def test_every_option_of_a_command_is_documented_and_every_documented_one_exists(
    path: str, command: click.Command, ancestors: tuple[click.Command, ...]
) -> None:
    section = sections().get(path)
    assert section is not None, f"docs/commands.md has no heading `{path}`"
    own = option_names(command) - ({"--help", "-h"} if ancestors else set())
    mentioned = set(_OPTION.findall(section))
    assert sorted(own - mentioned) == [], f"{path}: options missing from docs/commands.md"
    known = option_names(command) | {"--help", "-h"}
    for other in (*ancestors, *descendants(command)):
        known |= option_names(other)
    tabled = {
        name
        for line in section.splitlines()
        if line.startswith("| `-")
        for name in _OPTION.findall(line.split("|")[1])
    }
    assert sorted(tabled - known) == [], f"{path}: documented options that do not exist"


def environment_section() -> str:
    text = REFERENCE.read_text(encoding="utf-8")
    start = text.index("## Environment variables")
    return text[start : text.index("\n## ", start + 1)]


def test_every_environment_variable_the_code_reads_is_documented() -> None:
    read: set[str] = set()
    for path in (ROOT / "reconciler").rglob("*.py"):
        read.update(_VARIABLE.findall(path.read_text(encoding="utf-8")))
    for _, command, _ in TREE:
        for param in command.params:
            envvar = getattr(param, "envvar", None)
            if isinstance(envvar, str):
                read.add(envvar)
    assert {"RECONCILER_STATE_KEY", "BUILD_VCS_NUMBER"} <= read
    section = environment_section()
    assert sorted(name for name in read if name not in section) == []


def test_every_variable_that_tunes_the_tests_is_in_contributing() -> None:
    knobs: set[str] = set()
    for path in (ROOT / "tests").rglob("*.py"):
        knobs.update(_TEST_KNOB.findall(path.read_text(encoding="utf-8")))
    assert "RECONCILER_HISTORIES" in knobs
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert sorted(name for name in knobs if name not in contributing) == []
