"""Expanding the traders into resources chunk by chunk, letting each chunk's models go."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

import reconciler.workspace.desired as expansion
from bench.generate import Platforms, write_firm, write_traders
from reconciler.manifest import Desired, load_manifests
from reconciler.plan import Address, DesiredResource
from reconciler.providers import PROVIDERS, schemas
from reconciler.workspace import Declared, expand_consuming

PLATFORMS = Platforms(
    "http://127.0.0.1:1/live/v1",
    "http://127.0.0.1:1/demo/v1",
    "http://127.0.0.1:2/api/v1",
    "http://127.0.0.1:3",
)


def _firm(tmp_path: Path) -> Desired:
    """7 traders on the three platforms; one city comes from a reference (sensitive)."""
    manifests = tmp_path / "manifests"
    write_firm(manifests, PLATFORMS)
    write_traders(manifests, 7, per_file=3)
    first = manifests / "traders" / "traders-001.yaml"
    text = first.read_text()
    city = text.split("city")[1].split('"')[2]
    first.write_text(text.replace(f'"{city}"', '"${env:HIDDEN_CITY}"', 1))
    return load_manifests(manifests, schemas=schemas(), environ={"HIDDEN_CITY": city})


def _shown(resources: Mapping[Address, DesiredResource]) -> list[tuple[str, object, object]]:
    return [(str(a), dict(r.attributes), sorted(r.sensitive)) for a, r in resources.items()]


def test_chunks_give_the_resources_one_expansion_gives_in_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    desired = _firm(tmp_path)
    whole = expand_consuming(Declared.of(desired), [*desired.traders])
    monkeypatch.setattr(expansion, "CHUNK", 2)
    traders = [*desired.traders]

    chunked = expand_consuming(Declared.of(desired), traders)

    assert traders == []
    assert _shown(chunked) == _shown(whole)
    assert any(r.sensitive - {"password"} for r in chunked.values())  # the referenced city


def test_a_chunks_models_are_let_go_once_expanded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    desired = _firm(tmp_path)
    declared = Declared.of(desired)
    traders = [*desired.traders]
    first = weakref.ref(traders[0])
    del desired
    monkeypatch.setattr(expansion, "CHUNK", 2)
    seen: list[bool] = []
    tradovate = PROVIDERS["tradovate"]

    def watching(chunk: Desired) -> Sequence[DesiredResource]:
        gc.collect()
        seen.append(first() is None)
        return tradovate.expand(chunk)

    watched = {**PROVIDERS, "tradovate": replace(tradovate, expand=watching)}
    monkeypatch.setattr(expansion, "PROVIDERS", watched)

    expand_consuming(declared, traders)

    assert seen == [False, True, True, True]  # alive for its own chunk only
