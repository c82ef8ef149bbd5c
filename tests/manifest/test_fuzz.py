"""Hostile manifests through the CLI (`validate` and `plan`): random bytes and YAML, wrong types,
huge values, unicode, duplicate keys, alias bombs, deep nesting, unsafe tags. Every case ends in
exit 0 (it happened to be valid) or exit 1 with each problem at `file:line:`; never a traceback,
never a state write. Example counts stay modest so the suite keeps its time budget
(`RECONCILER_FUZZ_EXAMPLES` raises them for a nightly run)."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reconciler.cli.main import main

FIRM = """\
kind: Firm
name: fuzz-prop
providers:
  tradervue:
    environment: {base_url: "http://127.0.0.1:9/api/v1"}
    credentials: {username: manager, password: "${env:FUZZ_MANAGER_PASS}"}
"""
TRADER: dict[str, Any] = {
    "kind": "Trader",
    "name": "alice",
    "username": "alice.smith",
    "email": "alice@example.com",
    "first_name": "Alice",
    "last_name": "Smith",
    "password": {"generate": True},
    "tradervue": {"plan": "Gold"},
}
FUZZ = settings(
    max_examples=int(os.environ.get("RECONCILER_FUZZ_EXAMPLES", "40")),
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Workdir:
    """A project whose firm is valid and whose `traders.yaml` is whatever the case gives."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifests = root / "manifests"
        self.manifests.mkdir(parents=True, exist_ok=True)
        (self.manifests / "firm.yaml").write_text(FIRM)
        self.traders = self.manifests / "traders.yaml"

    def check(self, data: bytes, *, commands: tuple[str, ...] = ("validate", "plan")) -> None:
        self.traders.write_bytes(data)
        for command in commands:
            result = CliRunner().invoke(
                main,
                ["--no-color", "--manifests", str(self.manifests), command],
                env={"FUZZ_MANAGER_PASS": "fuzz-manager-pass"},
            )
            output = result.output
            assert "Traceback" not in output
            assert result.exception is None or isinstance(result.exception, SystemExit), output
            assert not (self.root / "state").exists(), "a state write for bad manifests"
            if result.exit_code == 0 and command == "validate":
                commands = ("validate",)  # valid by chance: plan would reach for a platform
                break
            assert result.exit_code == 1, output
            assert_located(output, self.traders)


def assert_located(output: str, traders: Path) -> None:
    """Every problem names the fuzzed file and a line in it; then one summary line."""
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines, "no message at all"
    *problems, summary = lines
    assert re.fullmatch(r"Error: \d+ problem\(s\) in the manifests", summary), output
    assert problems, output
    position = re.compile(re.escape(str(traders)) + r":[1-9]\d*: \S")
    for problem in problems:
        assert position.match(problem), f"no file:line in {problem!r}"


@pytest.fixture
def workdir(tmp_path: Path) -> Workdir:
    return Workdir(tmp_path)


@FUZZ
@given(data=st.binary(max_size=400))
@example(data=b"\xff\xfe\x00k\x00i\x00n\x00d")
@example(data=b"kind: Trader\nname: \x00\x01")
def test_random_bytes(workdir: Workdir, data: bytes) -> None:
    workdir.check(data)


@FUZZ
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
@example(text="kind: Trader\n\tname: tab")
@example(text="- [\n- {")
@example(text="\ufeffkind: Trader\nname: bom")
def test_random_text(workdir: Workdir, text: str) -> None:
    workdir.check(text.encode("utf-8"))


HUGE_AND_ODD = ["x" * 100_000, "é" * 5000, "\U0001d518\U0001d52b", "\u202e\u200b", "${env:NOPE}"]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(HUGE_AND_ODD)
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=12,
)


@FUZZ
@given(field=st.sampled_from(sorted(TRADER)), value=VALUES, extra=st.booleans())
@example(field="email", value=10**100, extra=False)
@example(field="tradervue", value={"plan": ["Gold"] * 1000}, extra=False)
def test_wrong_types_and_huge_values(workdir: Workdir, field: str, value: Any, extra: bool) -> None:
    trader = {**TRADER, field: value}
    if extra:
        trader["unexpected"] = value
    text = yaml.safe_dump(trader, allow_unicode=True)
    workdir.check(text.encode("utf-8"))


@FUZZ
@given(cut=st.integers(min_value=0, max_value=400), junk=st.text(max_size=8))
def test_mutated_valid_manifest(workdir: Workdir, cut: int, junk: str) -> None:
    text = yaml.safe_dump([TRADER, {**TRADER, "name": "bob", "username": "bob.jones"}])
    at = min(cut, len(text))
    workdir.check((text[:at] + junk + text[at:]).encode("utf-8"))


def billion_laughs() -> str:
    rows = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    rows += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return "kind: Trader\nname: bomb\n" + "\n".join(rows) + "\n"


HOSTILE = {
    "alias-bomb": billion_laughs(),
    "merge-key-alias": "base: &b {first_name: A}\n- <<: *b\n",
    "deep-flow-nesting": "kind: Trader\nname: " + "[" * 5000 + "]" * 5000 + "\n",
    "deep-block-nesting": "".join(" " * i + f"k{i}:\n" for i in range(200)),
    "duplicate-keys": "kind: Trader\nname: a\nname: b\nusername: a.a\nemail: a@example.com\n",
    "python-object-tag": "kind: Trader\nname: !!python/object/apply:os.system ['true']\n",
    "custom-tag": "kind: !Firm Trader\nname: x\n",
    "huge-integer": "kind: Trader\nname: x\nemail: " + "9" * 5000 + "\n",
    "many-documents": "---\nkind: Trader\n" * 2000,
    "unterminated-reference": "kind: Trader\nname: x\nemail: ${env:NOPE\n",
    "list-of-scalars": "- 1\n- two\n- [3]\n",
    "non-text-key": "kind: Trader\n[1, 2]: x\n? {a: b}\n: y\n",
    "control-characters": "kind: Trader\nname: \x07\x1b[31m\n",
}


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_documents(workdir: Workdir, text: str) -> None:
    workdir.check(text.encode("utf-8"))


def test_an_unsafe_tag_never_runs(workdir: Workdir, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f"kind: Trader\nname: !!python/object/apply:os.system ['touch {marker}']\n"
    workdir.check(text.encode("utf-8"))
    assert not marker.exists()


UNSAFE = {"load", "unsafe_load", "full_load", "load_all", "unsafe_load_all", "full_load_all"}
UNSAFE_LOADERS = {"Loader", "UnsafeLoader", "FullLoader", "CLoader", "CUnsafeLoader", "CFullLoader"}


def test_the_package_reads_yaml_with_a_safe_loader_only() -> None:
    package = Path(__file__).parents[2] / "reconciler"
    found = []
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id == "yaml" and node.attr in UNSAFE | UNSAFE_LOADERS:
                    found.append(f"{source.name}: yaml.{node.attr}")
            elif isinstance(node, ast.ImportFrom) and node.module == "yaml":
                names = {alias.name for alias in node.names}
                found += [f"{source.name}: from yaml import {n}" for n in names & UNSAFE_LOADERS]
    assert found == []


def test_control_characters_in_keys_are_escaped_in_errors(workdir: Workdir) -> None:
    """A key holding a carriage return or a terminal escape cannot break the line or colour
    the terminal (found by fuzzing: it split the error line in two)."""
    workdir.traders.write_text('kind: Trader\nname: x\n"evil\\r\\x1b[31m": 1\n')
    result = CliRunner().invoke(main, ["--manifests", str(workdir.manifests), "validate"])
    assert result.exit_code == 1
    assert "\r" not in result.output
    assert "\x1b" not in result.output
    assert "evil\\r\\x1b[31m" in result.output
