"""The local backend's sealed hand-out records: one JSON line per record, and one per record
delivered, appended to `<workspace>.handout.jsonl` (0600) beside the state file.

Records are opaque bytes (sealed to the firm's public key elsewhere); this file never sees a
password. A torn last line (a crash mid-write) is skipped when read.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from pathlib import Path

from reconciler.errors import StateError

_FILE_MODE = 0o600


def append_records(path: Path, records: Sequence[tuple[str, bytes]]) -> None:
    """Append (id, sealed) records in one synced write."""
    lines = [
        {"id": record_id, "sealed": base64.b64encode(data).decode()} for record_id, data in records
    ]
    _append(path, lines)


def mark_delivered(path: Path, ids: Sequence[str], *, at: str) -> None:
    """Append one `delivered` line per id, in one synced write."""
    _append(path, [{"delivered": record_id, "at": at} for record_id in ids])


def pending_records(path: Path) -> list[tuple[str, bytes]]:
    """The (id, sealed) records not yet delivered, in the order they were written."""
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise StateError(f"cannot read {path}: {exc.strerror}") from None
    records: dict[str, bytes] = {}
    delivered: set[str] = set()
    for line in lines:
        try:
            entry = json.loads(line)
            if "delivered" in entry:
                delivered.add(str(entry["delivered"]))
            else:
                records[str(entry["id"])] = base64.b64decode(entry["sealed"])
        except (ValueError, KeyError, TypeError):
            continue  # a torn line
    return [(record_id, data) for record_id, data in records.items() if record_id not in delivered]


def _append(path: Path, entries: list[dict[str, str]]) -> None:
    if not entries:
        return
    data = b"".join(json.dumps(entry).encode() + b"\n" for entry in entries)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, _FILE_MODE)
    except OSError as exc:
        raise StateError(f"cannot open {path}: {exc.strerror}") from None
    try:
        os.fchmod(fd, _FILE_MODE)
        if os.fstat(fd).st_size and not _ends_a_line(path):
            data = b"\n" + data  # a torn last write stays one unreadable line of its own
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except OSError as exc:
        raise StateError(f"cannot append to {path}: {exc.strerror}") from None
    finally:
        os.close(fd)


def _ends_a_line(path: Path) -> bool:
    with path.open("rb") as file:
        file.seek(-1, os.SEEK_END)
        return file.read(1) == b"\n"


__all__ = ["append_records", "mark_delivered", "pending_records"]
