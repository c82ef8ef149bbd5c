"""The documentation stays true: its YAML loads and validates, its runnable examples run against
the sandboxes with the exit codes and output lines they show, its links resolve (the markers and
rules are in CONTRIBUTING.md, "Documentation")."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from reconciler.cli.main import main
from reconciler.errors import ReconcilerError
from reconciler.manifest import load_manifests, manifest_schema
from reconciler.providers import schemas
from tests.docs.pages import (
    FRAGMENT,
    ROOT,
    RUNNABLE,
    Block,
    anchors,
    blocks,
    commands,
    links,
    pages,
    shown,
)

EXAMPLES = ROOT / "manifests"
FIRM_KEYS = frozenset({"settings", "providers", "defaults", "moved"})
"""A block holding only these keys is part of a Firm: it is merged into the example Firm."""


class Placeholders(Mapping[str, str]):
    """An environment in which every `${env:NAME}` is set (to a value of its own)."""

    def __getitem__(self, name: str) -> str:
        return f"placeholder-{name.lower()}"

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def yaml_blocks() -> list[Block]:
    return [b for page in pages() for b in blocks(page) if b.language in ("yaml", "yml")]


def runnable_pages() -> list[Path]:
    return [page for page in pages() if any(b.marker == RUNNABLE for b in blocks(page))]


def as_editor_reads(document: Any) -> Any:
    """A YAML document as yaml-language-server sees it: dates are plain strings (YAML 1.2)."""
    return json.loads(
        json.dumps(document, default=lambda v: v.isoformat() if isinstance(v, date) else str(v))
    )


def merged(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def manifest_files(block: Block) -> dict[str, str]:
    """The manifest files a block is checked as: itself (a Firm), beside the example Firm (a
    Trader, a list of traders, several documents), or merged into it (Firm keys only)."""
    documents = [d for d in yaml.safe_load_all(block.text) if d is not None]
    example = (EXAMPLES / "firm.yaml").read_text(encoding="utf-8")
    if len(documents) == 1 and isinstance(documents[0], dict):
        document = documents[0]
        if document.get("kind") == "Firm":
            return {"firm.yaml": block.text}
        if set(document) <= FIRM_KEYS:
            firm = merged(yaml.safe_load(example), document)
            return {"firm.yaml": yaml.safe_dump(firm, sort_keys=False)}
    if documents and all(
        isinstance(d, list) or (isinstance(d, dict) and d.get("kind") == "Trader")
        for d in documents
    ):
        return {"firm.yaml": example, "traders/doc.yaml": block.text}
    pytest.fail(f"{block.where}: not a Firm or Trader manifest; mark it {FRAGMENT} if intended")


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(manifest_schema(schemas()))


def test_the_docs_have_yaml_blocks_to_check() -> None:
    checked = [b for b in yaml_blocks() if b.marker != FRAGMENT]
    assert len(checked) >= 8, [b.where for b in checked]


@pytest.mark.parametrize("block", yaml_blocks(), ids=lambda b: b.where)
def test_every_yaml_block_loads_and_validates_against_the_schema(
    block: Block, tmp_path: Path, validator: Draft202012Validator
) -> None:
    documents = list(yaml.safe_load_all(block.text))  # a fragment must still be YAML
    if block.marker == FRAGMENT:
        return
    assert documents, f"{block.where}: empty block"
    files = manifest_files(block)
    name = "traders/doc.yaml" if "traders/doc.yaml" in files else "firm.yaml"
    for file, text in files.items():
        path = tmp_path / "manifests" / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        for document in yaml.safe_load_all(text):
            problems = [e.message for e in validator.iter_errors(as_editor_reads(document))]
            assert problems == [], f"{block.where}: {file} against the schema"
    try:
        desired = load_manifests(tmp_path / "manifests", schemas=schemas(), environ=Placeholders())
    except ReconcilerError as exc:
        pytest.fail(f"{block.where}: the loader refuses it ({name} holds the block): {exc}")
    assert desired.firm.name


@pytest.mark.parametrize("page", runnable_pages(), ids=shown)
def test_runnable_examples_exit_and_print_as_shown(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "manifests")
    monkeypatch.chdir(tmp_path)
    for name in ("BACKEND", "WORKSPACE", "STATE_KEY", "MAX_CANCEL", "HTTP_TIMEOUT"):
        monkeypatch.delenv(f"RECONCILER_{name}", raising=False)
    runner = CliRunner()
    ran = 0
    for block in blocks(page):
        if block.marker != RUNNABLE:
            continue
        assert block.language == "console", f"{block.where}: a runnable block is ```console"
        for command in commands(block):
            assert command.words[:1] == ("reconciler",), f"{command.where}: {command.words}"
            result = runner.invoke(main, list(command.words[1:]), catch_exceptions=False)
            shown_command = " ".join(command.words)
            assert result.exit_code == command.exit_code, (
                f"{command.where}: `{shown_command}` exited {result.exit_code}:\n{result.output}"
            )
            for line in command.quoted:
                assert line in result.output, (
                    f"{command.where}: `{shown_command}` did not print {line!r}:\n{result.output}"
                )
            ran += 1
    assert ran


def test_every_relative_link_points_at_a_file_and_heading_that_exist() -> None:
    broken: list[str] = []
    for page in pages():
        for line, target in links(page):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            file_part, _, anchor = target.partition("#")
            destination = (page.parent / file_part).resolve() if file_part else page
            where = f"{shown(page)}:{line}: {target}"
            if not destination.exists():
                broken.append(f"{where} (no such file)")
            elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
                broken.append(f"{where} (no such heading)")
    assert broken == []


def test_every_page_of_docs_is_linked_from_another_page() -> None:
    linked: set[Path] = set()
    for page in pages():
        for _, target in links(page):
            file_part = target.partition("#")[0]
            if file_part and not target.startswith(("http://", "https://")):
                linked.add((page.parent / file_part).resolve())
    orphans = [shown(p) for p in pages() if p.parent != ROOT and p.resolve() not in linked]
    assert orphans == []
