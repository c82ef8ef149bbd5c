"""The JSON the docs show is JSON, and the documented plan document has the keys of a real one
(so a field added to `plan --format json` shows up here until docs/ci.md describes it)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reconciler.cli.main import main
from tests.docs.pages import ROOT, Block, blocks, pages

OUTPUT_FORMATS = ROOT / "docs" / "ci.md"


def json_blocks() -> list[Block]:
    return [b for page in pages() for b in blocks(page) if b.language == "json"]


@pytest.mark.parametrize("block", json_blocks(), ids=lambda b: b.where)
def test_every_json_block_is_json(block: Block) -> None:
    json.loads(block.text)


def documented_plan() -> dict[str, Any]:
    for block in blocks(OUTPUT_FORMATS):
        if block.language == "json":
            document = json.loads(block.text)
            if document.get("kind") == "plan":
                assert isinstance(document, dict)
                return document
    pytest.fail("docs/ci.md shows no plan document")


def test_the_documented_plan_json_has_the_keys_of_a_real_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "manifests", tmp_path / "manifests")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["plan", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    real = json.loads(result.stdout)
    documented = documented_plan()

    assert sorted(documented) == sorted(real)
    assert sorted(documented["summary"]) == sorted(real["summary"])
    assert sorted(documented["options"]) == sorted(real["options"])
    assert real["changes"]
    assert sorted(documented["changes"][0]) == sorted(real["changes"][0])
