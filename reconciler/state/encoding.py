"""The canonical encoding of state: sorted JSON with one record per line (readable, diffable),
the fast header read a backend's compare-and-swap needs, and raw JSON loading with one-line errors.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any, TypeGuard

from pydantic import BaseModel

from reconciler.errors import StateError

RawDocument = dict[str, Any]
"""A state document as decoded JSON: header fields, `resources` and `pending` by key."""

HEADER_FIELDS = ("format_version", "key_check", "lineage", "serial")
"""The top-level fields of a document besides its `resources` and `pending` maps."""


@dataclass(frozen=True, slots=True)
class StateHeader:
    """The fields of a stored document a backend needs for its compare-and-swap."""

    lineage: str
    serial: int


def parse_header(data: bytes) -> StateHeader:
    """Read lineage and serial from stored bytes without validating the whole document.

    The canonical encoding (`to_bytes`) puts `"lineage"` near the start and `"serial"` on the
    last line, each on its own top-level line (two spaces of indent; JSON strings never hold
    a raw newline), so those two lines are read without parsing a large state; anything else
    is parsed whole.
    """
    header = _canonical_header(data)
    if header is not None:
        return header
    raw = load_object(data)
    lineage = raw.get("lineage")
    serial = raw.get("serial", 0)
    if not isinstance(lineage, str) or not is_int(serial):
        raise StateError("invalid state document: lineage or serial missing or malformed")
    return StateHeader(lineage=lineage, serial=serial)


_LINEAGE = b'\n  "lineage": '
_SERIAL = b'\n  "serial": '


def _canonical_header(data: bytes) -> StateHeader | None:
    if not data.startswith(b'{\n  "format_version": '):
        return None
    start = data.find(_LINEAGE, 0, 4096)
    end = data.find(b"\n", start + 1)
    serial_at = data.rfind(_SERIAL, max(0, len(data) - 256))
    if start < 0 or end < 0 or serial_at < 0 or data[-3:] != b"\n}\n":
        return None
    try:
        lineage = json.loads(data[start + len(_LINEAGE) : end].rstrip(b","))
        serial = json.loads(data[serial_at + len(_SERIAL) : -3])
    except ValueError:
        return None
    if not isinstance(lineage, str) or not is_int(serial):
        return None
    return StateHeader(lineage=lineage, serial=serial)


def load_object(data: bytes) -> dict[str, Any]:
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise StateError("state is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise StateError(
            f"state is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(raw, dict):
        raise StateError("invalid state document: expected a JSON object")
    return raw


def format_version_of(raw: Mapping[str, Any]) -> int:
    version = raw.get("format_version")
    if not is_int(version) or version < 0:
        raise StateError("invalid state document: format_version missing or not a whole number")
    return version


def is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def encode(raw: Mapping[str, Any]) -> bytes:
    """Canonical UTF-8 JSON of a document: sorted keys, one record per line, newline at the end
    (`resources` holds each record's canonical text; other maps JSON values or models)."""
    return b"".join(encode_chunks(raw))


ENTRIES_PER_CHUNK = 1000
"""Entries of a map encoded at a time by `encode_chunks` (a tuning of ours)."""


def encode_chunks(raw: Mapping[str, Any]) -> Iterator[bytes]:
    """`encode`, a piece at a time: a large state is written without its whole text in
    memory (the text, then its bytes: twice a state of hundreds of MB)."""
    # One record per line keeps diffs readable while json's C encoder does the work
    # (indent= falls back to the pure-Python encoder, about three times slower).
    dump = dump_compact

    def dump_entry(value: object) -> str:
        return dump(value.model_dump(mode="json") if isinstance(value, BaseModel) else value)

    separator = "{\n"
    for name in sorted(raw):
        value = raw[name]
        if isinstance(value, Mapping) and value:
            show = (lambda text: text) if name == "resources" else dump_entry
            keys = sorted(value)
            yield f"{separator}  {dump(name)}: {{\n".encode()
            for start in range(0, len(keys), ENTRIES_PER_CHUNK):
                entries = ",\n".join(
                    f"    {_key(key)}: {show(value[key])}"
                    for key in keys[start : start + ENTRIES_PER_CHUNK]
                )
                yield (entries if start == 0 else ",\n" + entries).encode()
            yield b"\n  }"
        else:
            text = dump(dict(value) if isinstance(value, Mapping) else value)
            yield f"{separator}  {dump(name)}: {text}".encode()
        separator = ",\n"
    yield b"{\n\n}\n" if separator == "{\n" else b"\n}\n"  # as `encode` always wrote


def _key(key: str) -> str:
    """A map's key as JSON: quoted as it is when JSON escapes none of its characters (only
    quotes, backslashes and control characters are escaped), else by the encoder."""
    if '"' in key or "\\" in key or not key.isprintable():
        return dump_compact(key)
    return f'"{key}"'


_FIRST, _SECOND = b"{\n", b'  "format_version": '
_RESOURCES, _PENDING = b'  "resources": {\n', b'  "pending": {\n'
_RECORD, _END = b"    ", b"  }"
_KEY = json.JSONDecoder()


def decode_document(data: bytes, *, pending_as_texts: bool = False) -> RawDocument:
    """A stored document decoded, its records left as canonical texts: a canonical document
    is split by line (`decode_lines`); any other is parsed whole and each record encoded."""
    raw = decode_lines(BytesIO(data), pending_as_texts=pending_as_texts)
    return decode_whole(data) if raw is None else raw


def decode_whole(data: bytes) -> RawDocument:
    """A stored document parsed as one JSON value, each record then encoded as its text."""
    raw = load_object(data)
    records = raw.get("resources")
    if isinstance(records, dict):
        raw["resources"] = {key: dump_compact(value) for key, value in records.items()}
    return raw


def decode_lines(lines: Iterable[bytes], *, pending_as_texts: bool) -> RawDocument | None:
    """The canonical document (`encode`) whose lines are `lines` (newlines kept), each record
    line decoded on its own and its record kept as its text (nothing per record is parsed
    but its address), the other lines parsed as JSON; with `pending_as_texts`, its pending
    operations are kept as texts too (`decode_pending` decodes those a journal leaves). None
    when the lines are not those of a canonical document (nothing of them is kept): it is
    read whole then (`decode_whole`)."""
    lines = iter(lines)
    first, second = next(lines, b""), next(lines, b"")
    if first != _FIRST or not second.startswith(_SECOND):
        return None
    sections = {_RESOURCES: "resources"}
    if pending_as_texts:  # a large apply's intents: most are resolved by the journal
        sections[_PENDING] = "pending"
    head, texts_of = [first, second], {}
    for line in lines:
        name = sections.get(line)
        if name is None:
            head.append(line)
            continue
        texts, end = _section(lines)
        if end is None or name in texts_of:
            return None
        texts_of[name] = texts
        head.append(f'  "{name}": {{}}'.encode() + end[len(_END) :])
    if "resources" not in texts_of:
        return None
    raw = load_object(b"".join(head))
    if raw.get("resources") != {}:
        return None
    raw.update(texts_of)
    return raw


def _section(lines: Iterator[bytes]) -> tuple[dict[str, str], bytes | None]:
    """The texts of a section's record lines by key, and the line that ends it (None when the
    lines end first, or a line is neither)."""
    texts = {}
    for line in lines:
        if line.startswith(_RECORD):
            key, text = record_of_line(line.rstrip(b"\n"))
            texts[key] = text
        elif line.startswith(_END):
            return texts, line
        else:
            return texts, None
    return texts, None


def decode_pending(raw: RawDocument) -> None:
    """Decode in place the pending operations `decode_document` left as texts."""
    pending = raw.get("pending")
    if isinstance(pending, dict):
        for key, value in pending.items():
            if isinstance(value, str):
                pending[key] = load_object(value.encode("utf-8"))


def record_of_line(line: bytes) -> tuple[str, str]:
    """The key and canonical text of one record line of a canonical document (`    "key":
    text`, with or without its comma, without its newline)."""
    at = line.find(b'": ', 5)
    key = line[5:at].decode("utf-8") if at >= 0 else "\\"
    if "\\" in key:  # escaped (or no key at all): the JSON decoder reads it
        text = line.decode("utf-8")
        try:
            key, past = _KEY.raw_decode(text, 4)
        except ValueError:
            raise StateError("state is not valid JSON: a malformed record line") from None
        at = len(text[:past].encode("utf-8")) - 1  # the key's closing quote
    last = len(line) - 1 if line.endswith(b",") else len(line)
    return key, line[at + 3 : last].decode("utf-8")


_COMPACT = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
)


def dump_compact(value: object) -> str:
    """One value as canonical compact JSON (sorted keys, no spaces)."""
    return _COMPACT.encode(value)


__all__ = [
    "HEADER_FIELDS",
    "RawDocument",
    "StateHeader",
    "decode_document",
    "decode_lines",
    "decode_pending",
    "decode_whole",
    "dump_compact",
    "encode",
    "encode_chunks",
    "format_version_of",
    "is_int",
    "load_object",
    "parse_header",
    "record_of_line",
]
