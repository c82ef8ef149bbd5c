"""The one atomic file write: all or nothing, owner-only, no temporary left behind."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.files import write_atomically, write_temporary


def test_a_write_replaces_the_whole_file_readable_only_by_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_bytes(b"old and longer than the new content")
    write_atomically(path, b"new")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.json"]


def test_a_failed_rename_keeps_the_old_file_and_removes_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "doc"
    target.mkdir()  # a folder cannot be replaced by a file: the rename fails
    (target / "inside").write_bytes(b"kept")
    with pytest.raises(OSError, match="directory"):
        write_atomically(target, b"new")
    assert (target / "inside").read_bytes() == b"kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc"]


def test_the_file_is_synced_before_it_takes_the_old_ones_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(os.fstat(fd).st_ino)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    path = tmp_path / "doc.json"
    write_atomically(path, b"{}")
    assert synced == [path.stat().st_ino, tmp_path.stat().st_ino]


def test_pieces_are_written_in_order_and_a_failing_one_leaves_no_temporary(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.json"
    written = write_temporary(path, iter([b"{\n", b'  "a": 1', b"\n}\n"]))
    assert written.read_bytes() == b'{\n  "a": 1\n}\n'
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    written.unlink()

    def failing() -> Iterator[bytes]:
        yield b"{\n"
        raise RuntimeError("the encoder failed")

    with pytest.raises(RuntimeError, match="encoder"):
        write_temporary(path, failing())
    assert list(tmp_path.iterdir()) == []
