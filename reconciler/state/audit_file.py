"""The local backend's audit trail: one JSON line per entry, appended with one synced write."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from reconciler.errors import StateError
from reconciler.files import write_fd

_FILE_MODE = 0o600


def append_lines(path: Path, records: Sequence[tuple[str, bytes]]) -> None:
    """Append one line per (trader, entry) in a single synced O_APPEND write."""
    if not records:
        return
    data = b"".join(line + b"\n" for _, line in records)
    if not _ends_a_line(path):
        data = b"\n" + data  # a torn last write stays one unreadable line of its own
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, _FILE_MODE)
    except OSError as exc:
        raise StateError(f"cannot open {path}: {exc.strerror}") from None
    try:
        write_fd(fd, data)
    except OSError as exc:
        raise StateError(f"cannot append to {path}: {exc.strerror}") from None


def read_lines(path: Path, trader: str | None) -> list[bytes]:
    """The trail's lines in order, only `trader`'s when given: only lines holding the trader's
    name as a JSON string are parsed (a fast scan of the file's bytes)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise StateError(f"cannot read {path}: {exc.strerror}") from None
    if trader is None:
        return data.splitlines()
    needle = json.dumps(trader, ensure_ascii=False).encode("utf-8")
    lines = []
    at = data.find(needle)
    while at >= 0:
        start = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at)
        end = len(data) if end < 0 else end
        line = data[start:end]
        if _trader_of(line) == trader:
            lines.append(line)
        at = data.find(needle, end)
    return lines


def _ends_a_line(path: Path) -> bool:
    """Whether `path` is missing, empty, or ends with a newline."""
    try:
        with path.open("rb") as file:
            if file.seek(0, os.SEEK_END) == 0:
                return True
            file.seek(-1, os.SEEK_END)
            return file.read(1) == b"\n"
    except FileNotFoundError:
        return True
    except OSError as exc:
        raise StateError(f"cannot read {path}: {exc.strerror}") from None


def _trader_of(line: bytes) -> object:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry.get("trader") if isinstance(entry, dict) else None


__all__ = ["append_lines", "read_lines"]
