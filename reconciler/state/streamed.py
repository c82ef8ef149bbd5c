"""A local state file and its journal read a line at a time from the files: a large state's
bytes (hundreds of MB at 100,000 traders) are never held whole beside its records' texts.

A canonical document is read as `decode_document` reads its bytes (`decode_lines`), its
pending operations kept as texts too; any other is read whole (`decode_whole`), so its
reading and its errors are those of the whole bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from reconciler.errors import StateError
from reconciler.state.encoding import RawDocument, decode_lines, decode_whole


def read_document_file(path: Path) -> RawDocument | None:
    """What `decode_document(bytes, pending_as_texts=True)` gives for the file's bytes, read a
    line at a time; None when there is no file."""
    try:
        with path.open("rb") as file:
            raw = decode_lines(file, pending_as_texts=True)
            if raw is None:
                file.seek(0)
                return decode_whole(file.read())
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


__all__ = ["journal_lines", "read_document_file"]
