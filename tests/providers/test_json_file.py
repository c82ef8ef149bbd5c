"""Atomic JSON files: round trip, replacement, and no stray temp files."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.providers.json_file import read_json, write_json_atomic


def test_round_trip_creates_missing_folders(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "world.json"
    write_json_atomic(path, {"users": [{"id": 1, "name": "Zoë"}]})
    assert read_json(path) == {"users": [{"id": 1, "name": "Zoë"}]}


def test_a_rewrite_replaces_the_file_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "world.json"
    write_json_atomic(path, {"serial": 1})
    write_json_atomic(path, {"serial": 2})
    assert read_json(path) == {"serial": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["world.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "world.json"
    write_json_atomic(path, {"serial": 1})
    with pytest.raises(TypeError):
        write_json_atomic(path, {"serial": object()})
    assert read_json(path) == {"serial": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["world.json"]
