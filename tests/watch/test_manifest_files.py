"""Noticing manifest changes on disk: once, after the files held still for a poll."""

from __future__ import annotations

import os
from pathlib import Path

from reconciler.watch.manifest_files import ManifestFiles, fingerprint
from tests.fakes import FakeClock


def touch(path: Path, text: str, mtime_ns: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_the_fingerprint_covers_yaml_files_recursively(tmp_path: Path) -> None:
    touch(tmp_path / "firm.yaml", "a", 1_000)
    touch(tmp_path / "traders" / "team.yml", "bb", 2_000)
    touch(tmp_path / "notes.txt", "ignored", 3_000)
    assert fingerprint(tmp_path) == (("firm.yaml", 1_000, 1), ("traders/team.yml", 2_000, 2))


def test_a_change_is_reported_once_it_held_still_for_one_poll(tmp_path: Path) -> None:
    touch(tmp_path / "firm.yaml", "a", 1_000)
    clock = FakeClock(0.0)
    files = ManifestFiles(tmp_path, poll=1.0, monotonic=clock)
    assert not files.changed()  # nothing changed
    touch(tmp_path / "trader.yaml", "new", 2_000)
    assert not files.changed()  # too early to poll
    clock.sleep(1.0)
    assert not files.changed()  # seen changing: wait one poll
    clock.sleep(1.0)
    touch(tmp_path / "trader.yaml", "newer", 3_000)
    assert not files.changed()  # still changing
    clock.sleep(1.0)
    assert files.changed()  # held still: report it
    clock.sleep(1.0)
    assert not files.changed()  # reported once


def test_a_reload_marks_the_current_files_as_loaded(tmp_path: Path) -> None:
    touch(tmp_path / "firm.yaml", "a", 1_000)
    clock = FakeClock(0.0)
    files = ManifestFiles(tmp_path, poll=1.0, monotonic=clock)
    touch(tmp_path / "firm.yaml", "b", 2_000)
    files.mark_loaded()
    for _ in range(3):
        clock.sleep(1.0)
        assert not files.changed()
