"""The one atomic file write of the package: a synced 0600 temporary file beside the target,
renamed over it, then the folder synced, so a reader sees the old file or the new one, never a part.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["sync_folder", "write_atomically", "write_fd", "write_temporary"]

_FILE_MODE = 0o600


def write_atomically(path: Path, data: bytes | Iterable[bytes], *, sync: bool = True) -> None:
    """Replace `path` with `data` (bytes, or its pieces in order) atomically; `sync=False`
    leaves the folder sync to the caller (who renames several files and syncs once). Raises
    OSError; callers translate it."""
    temporary = write_temporary(path, data)
    try:
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if sync:
        sync_folder(path.parent)


def write_temporary(path: Path, data: bytes | Iterable[bytes]) -> Path:
    """Write `data` (bytes, or its pieces in order) to a synced 0600 temporary file beside
    `path` and return its path."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        write_fd(fd, data)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def sync_folder(folder: Path) -> None:
    """Make renames in `folder` durable; platforms that cannot open a folder skip it harmlessly."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_fd(fd: int, data: bytes | Iterable[bytes]) -> None:
    """Write all of `data` (bytes, or its pieces in order) to `fd` with mode 0600, sync it and
    close it."""
    try:
        os.fchmod(fd, _FILE_MODE)
        for piece in (data,) if isinstance(data, bytes | bytearray | memoryview) else data:
            view = memoryview(piece)
            while view:
                view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
