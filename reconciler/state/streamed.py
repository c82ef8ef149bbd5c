"""A local state file and its journal read a line at a time from the files: a large state's
bytes (hundreds of MB at 100,000 traders) are never held whole beside its records' texts.

A canonical document (`encode`) is read as `decode_document` reads its bytes: the records,
and the pending operations, kept as their canonical texts, the other lines parsed as JSON.
Any other document (or a canonical one that ends early) is read whole and given to
`decode_document`, so its reading and its errors are those of the whole bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from reconciler.errors import StateError
from reconciler.state.encoding import RawDocument, decode_document, load_object, record_of_line

_FIRST, _SECOND = b"{\n", b'  "format_version": '
_SECTIONS = {b'  "resources": {\n': "resources", b'  "pending": {\n': "pending"}
_RECORD = b"    "
_END = b"  }"


def read_document_file(path: Path) -> RawDocument | None:
    """What `decode_document(bytes, pending_as_texts=True)` gives for the file's bytes, read a
    line at a time; None when there is no file."""
    try:
        with path.open("rb") as file:
            raw = _streamed(file)
            if raw is None:
                file.seek(0)
                return decode_document(file.read(), pending_as_texts=True)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateError(f"cannot read {path}: {exc.strerror}") from None
    return raw


def journal_lines(path: Path) -> Iterator[bytes]:
    """The journal's complete lines, without their newline, read a line at a time (what
    follows the last newline is torn: left out); nothing when there is no journal."""
    try:
        with path.open("rb") as file:
            for line in file:
                if not line.endswith(b"\n"):
                    return
                yield line[:-1]
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StateError(f"cannot read {path}: {exc.strerror}") from None


def _streamed(file: BinaryIO) -> RawDocument | None:
    """The canonical document in `file`, or None when it is not one (then nothing of it is
    kept: the caller reads it whole)."""
    lines = iter(file)
    first, second = next(lines, b""), next(lines, b"")
    if first != _FIRST or not second.startswith(_SECOND):
        return None
    head, sections = [first, second], {}
    for line in lines:
        name = _SECTIONS.get(line)
        if name is None:
            head.append(line)
            continue
        texts, end = _section(lines)
        if end is None or name in sections:
            return None
        sections[name] = texts
        head.append(f'  "{name}": {{}}'.encode() + end[len(_END) :])
    if "resources" not in sections:  # `decode_document` reads such a document whole
        return None
    raw = load_object(b"".join(head))
    if raw.get("resources") != {}:
        return None
    raw.update(sections)
    return raw


def _section(lines: Iterable[bytes]) -> tuple[dict[str, str], bytes | None]:
    """The texts of a section's record lines by key, and the line that ends it (None when the
    file ends first, or a line is neither)."""
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


__all__ = ["journal_lines", "read_document_file"]
