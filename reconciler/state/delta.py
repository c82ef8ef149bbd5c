"""What a write changes: the records and pending operations put or removed since the document
the store last read or wrote, and the new header; a backend stores only that."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.errors import StateError
from reconciler.state.document import PendingOperation, StateDocument
from reconciler.state.encoding import (
    HEADER_FIELDS,
    RawDocument,
    StateHeader,
    dump_compact,
    is_int,
)

RecordChanges = dict[str, str | None]
"""Records' canonical texts by address; None for one removed."""

PendingChanges = dict[str, dict[str, Any] | None]
"""Pending operations as JSON objects by id; None for one cleared."""


@dataclass(frozen=True, slots=True)
class StateDelta:
    """The change from one stored serial to the next: the whole new `header` (format version,
    key check, lineage, serial), and the `resources` and `pending` entries put (their stored
    form) or removed (None)."""

    header: dict[str, Any]
    resources: RecordChanges
    pending: PendingChanges

    @property
    def serial(self) -> int:
        return int(self.header["serial"])

    @property
    def lineage(self) -> str:
        return str(self.header["lineage"])

    def apply_to(self, raw: RawDocument) -> None:
        """Change the decoded document `raw` (records as texts) into the one this delta wrote."""
        raw.update(self.header)
        changes: Mapping[str, object]
        for name, changes in (("resources", self.resources), ("pending", self.pending)):
            entries = raw.setdefault(name, {})
            for key, value in changes.items():
                if value is None:
                    entries.pop(key, None)
                else:
                    entries[key] = value

    def to_line(self) -> bytes:
        """One compact JSON line, newline included (records' texts written as they are)."""
        records = ",".join(
            f"{dump_compact(key)}:{'null' if text is None else text}"
            for key, text in self.resources.items()
        )
        head = dump_compact({"header": self.header, "pending": self.pending})
        return f'{head[:-1]},"resources":{{{records}}}}}\n'.encode()

    @classmethod
    def from_line(cls, line: bytes) -> StateDelta:
        """The delta of a line `to_line` made; StateError for anything else."""
        try:
            data = json.loads(line)
            header, resources, pending = data["header"], data["resources"], data["pending"]
        except (ValueError, TypeError, KeyError):
            raise StateError("a state journal line is not a state change") from None
        if not (isinstance(header, dict) and set(header) == set(HEADER_FIELDS)):
            raise StateError("a state journal line has no valid header")
        if not (isinstance(resources, dict) and isinstance(pending, dict)):
            raise StateError("a state journal line is not a state change")
        texts = {key: None if v is None else dump_compact(v) for key, v in resources.items()}
        return cls(header, texts, pending)


_LINE_START = b'{"header":'


def header_of_line(line: bytes) -> StateHeader:
    """Lineage and serial of a line `to_line` made, from its first bytes: its records (many
    after a large apply) are not decoded; a line that does not start as one made so is
    decoded whole (StateError for anything else)."""
    end = line.find(b"}", len(_LINE_START))
    if line.startswith(_LINE_START) and end > 0:
        try:
            header = json.loads(line[len(_LINE_START) : end + 1])
        except ValueError:
            header = None
        if isinstance(header, dict) and set(header) == set(HEADER_FIELDS):
            lineage, serial = header["lineage"], header["serial"]
            if isinstance(lineage, str) and is_int(serial):
                return StateHeader(lineage=lineage, serial=serial)
    delta = StateDelta.from_line(line)
    return StateHeader(lineage=delta.lineage, serial=delta.serial)


def delta_between(base: StateDocument, written: StateDocument) -> StateDelta:
    """What changed from `base` (as stored) to `written`: records compared by identity first
    (an unchanged record is the object that was read), then by value; only the addresses an
    editor touched when `written` was edited from `base` itself."""
    old, new = base.resources.raw, written.resources.raw
    touched = written.resources.touched_since(old)
    if touched is None:
        resources = _changes(old, new, lambda text: text)
    else:
        resources = {
            address: new.get(address) for address in touched if old.get(address) != new.get(address)
        }
    return StateDelta(
        header=written.header(),
        resources=resources,
        pending=_changes(base.pending, written.pending, _pending_raw),
    )


def _pending_raw(op: PendingOperation) -> dict[str, Any]:
    return op.model_dump(mode="json")


def _changes(old: Mapping[str, Any], new: Mapping[str, Any], stored: Any) -> dict[str, Any]:
    if old is new:
        return {}
    changes: dict[str, Any] = {}
    for key, value in new.items():
        before = old.get(key)
        if before is not value and before != value:
            changes[key] = stored(value)
    for key in old:
        if key not in new:
            changes[key] = None
    return changes


__all__ = [
    "PendingChanges",
    "RecordChanges",
    "StateDelta",
    "delta_between",
    "header_of_line",
]
