"""What a write changes: the records and pending operations put or removed since the document
the store last read or wrote, and the new header; a backend stores only that."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
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
    settles: bool = False
    """The write leaves no pending operation where the document it was made from held some
    (the end of an apply); not stored: it tells a backend when to fold what is resolved."""

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
        """The delta of a line `to_line` made; StateError for anything else. A line as made
        is read an entry at a time (a large apply's line, tens of MB, is never decoded whole:
        each record is decoded and encoded on its own); any other is decoded whole."""
        try:
            entries = _entries_of(line.decode("utf-8"))
        except (ValueError, IndexError):
            entries = _whole(line)
        header, texts, pending = entries
        if not (isinstance(header, dict) and set(header) == set(HEADER_FIELDS)):
            raise StateError("a state journal line has no valid header")
        return cls(header, texts, pending)


_DECODE = json.JSONDecoder().raw_decode
_HEADER, _PENDING, _RESOURCES = '{"header":', ',"pending":{', ',"resources":{'


def _whole(line: bytes) -> tuple[Any, RecordChanges, PendingChanges]:
    """Header, records' texts and pending operations of a line decoded whole."""
    try:
        data = json.loads(line)
        header, resources, pending = data["header"], data["resources"], data["pending"]
    except (ValueError, TypeError, KeyError):
        raise StateError("a state journal line is not a state change") from None
    if not (isinstance(resources, dict) and isinstance(pending, dict)):
        raise StateError("a state journal line is not a state change")
    return header, {key: _text(value) for key, value in resources.items()}, pending


def _text(value: object) -> str | None:
    """A record's canonical text (None: removed)."""
    return None if value is None else dump_compact(value)


def _entries_of(text: str) -> tuple[Any, RecordChanges, PendingChanges]:
    """Header, records' texts and pending operations of a line as `to_line` makes it, each
    entry decoded on its own; ValueError (or IndexError) for a line made otherwise."""
    if not text.startswith(_HEADER):
        raise ValueError(text[:10])
    header, at = _DECODE(text, len(_HEADER))
    if not text.startswith(_PENDING, at):
        raise ValueError(at)
    pending, at = _entries(text, at + len(_PENDING), lambda value: value)
    if not text.startswith(_RESOURCES, at):
        raise ValueError(at)
    texts, at = _entries(text, at + len(_RESOURCES), _text)
    if text[at:] != "}":
        raise ValueError(at)
    return header, texts, pending


def _entries(text: str, at: int, kept: Callable[[Any], Any]) -> tuple[dict[str, Any], int]:
    """The entries of the compact JSON object that starts just before `at` (past its `{`),
    each value decoded alone and kept as `kept` makes it; and where the object ends."""
    entries: dict[str, Any] = {}
    if text[at] == "}":
        return entries, at + 1
    while True:
        key, at = _DECODE(text, at)
        if type(key) is not str or text[at] != ":":
            raise ValueError(at)
        value, at = _DECODE(text, at + 1)
        entries[key] = kept(value)
        if text[at] == "}":
            return entries, at + 1
        if text[at] != ",":
            raise ValueError(at)
        at += 1


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
        settles=bool(base.pending) and not written.pending,
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
