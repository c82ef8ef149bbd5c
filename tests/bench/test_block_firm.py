"""The scale benchmark's block-style firm: 20 files, two accounts a trader from the two
templates, T-Prop, Tradervue and TraderPal; valid for `reconciler validate`; and the change
of N traders the benchmark plans."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from bench.block_firm import (
    FILES,
    MOVED_TO,
    block_counts,
    block_trader,
    move_traders,
    write_block_traders,
)
from bench.generate import TEMPLATES, Platforms, write_firm, write_traders
from reconciler.cli.main import main
from reconciler.manifest import load_manifests
from reconciler.providers import schemas

NOWHERE = Platforms(
    "http://127.0.0.1:1/live/v1",
    "http://127.0.0.1:1/demo/v1",
    "http://127.0.0.1:2/api/v1",
    "http://127.0.0.1:3",
)


def _firm(tmp_path: Path, traders: int) -> Path:
    manifests = tmp_path / "manifests"
    write_firm(manifests, NOWHERE)
    write_block_traders(manifests, traders)
    return manifests


def test_the_block_firm_spreads_traders_over_twenty_block_style_files(tmp_path: Path) -> None:
    manifests = _firm(tmp_path, 107)
    files = sorted((manifests / "traders").iterdir())
    assert [f.name for f in files] == [f"block-{n:02d}.yaml" for n in range(FILES)]
    per_file = [len(yaml.safe_load(f.read_text())) for f in files]
    assert sum(per_file) == 107
    assert max(per_file) - min(per_file) <= 1
    text = "".join(f.read_text() for f in files)
    assert "{" not in text  # block style: no flow collections
    assert "[" not in text


def test_every_trader_has_two_accounts_from_the_two_templates_and_three_platforms(
    tmp_path: Path,
) -> None:
    desired = load_manifests(_firm(tmp_path, 45), schemas=schemas(), environ={})
    assert len(desired.traders) == block_counts(45).traders == 45
    for trader in desired.traders:
        tradovate = trader.platforms["tradovate"]
        assert sorted(a.template for a in tradovate.accounts) == sorted(TEMPLATES)
        assert tradovate.entitlements == ["t-prop"]
        assert set(trader.platforms) == {"tradovate", "tradervue", "traderpal"}
    accounts = sum(len(t.platforms["tradovate"].accounts) for t in desired.traders)
    assert accounts == block_counts(45).accounts == 90
    assert len({t.username for t in desired.traders}) == 45


def test_reconciler_validate_accepts_the_block_firm(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--manifests", str(_firm(tmp_path, 60)), "validate"])
    assert result.exit_code == 0, result.output
    assert "60 trader(s)" in result.output


def test_a_small_firm_has_one_file_per_trader(tmp_path: Path) -> None:
    manifests = _firm(tmp_path, 3)
    assert len(list((manifests / "traders").iterdir())) == 3
    assert block_trader(2) == block_trader(2) != block_trader(3)


def test_moving_traders_changes_exactly_that_many_cities_in_either_shape(
    tmp_path: Path,
) -> None:
    block = _firm(tmp_path / "block", 50)
    listed = tmp_path / "list" / "manifests"
    write_firm(listed, NOWHERE)
    write_traders(listed, 50, per_file=20)
    for manifests in (block, listed):
        assert move_traders(manifests, 10) == 10
        desired = load_manifests(manifests, schemas=schemas(), environ={})
        cities = [t.contact.city for t in desired.traders if t.contact is not None]
        assert cities.count(MOVED_TO) == 10
        assert len(cities) == 50
