"""Atomic JSON files: round trip, replacement, no stray temp files; saving behind changes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reconciler.providers.json_file import WriteBehind, read_json, write_json_atomic


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


class Stopwatch:
    """A clock that moves by `step` every time it is read."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_cheap_saves_happen_right_after_each_change(tmp_path: Path) -> None:
    path = tmp_path / "world.json"
    world = {"serial": 0}
    saver = WriteBehind(path, lambda: dict(world), clock=Stopwatch(0.001))
    for serial in range(1, 4):
        world["serial"] = serial
        saver.changed()
        assert read_json(path) == {"serial": serial}


def test_slow_saves_are_deferred_then_flushed(tmp_path: Path) -> None:
    """A save that takes a second blocks saving for ten; flush writes what waited."""
    path = tmp_path / "world.json"
    world = {"serial": 0}
    saver = WriteBehind(path, lambda: dict(world), clock=Stopwatch(1.0))

    async def changes() -> None:
        world["serial"] = 1
        saver.changed()  # saved at once (nothing was slow yet)
        world["serial"] = 2
        saver.changed()  # deferred: the last save took a second
        assert read_json(path) == {"serial": 1}

    asyncio.run(changes())
    saver.flush()
    assert read_json(path) == {"serial": 2}


def test_without_a_path_nothing_is_written(tmp_path: Path) -> None:
    saver = WriteBehind(None, dict)
    saver.changed()
    saver.flush()
    assert list(tmp_path.iterdir()) == []
