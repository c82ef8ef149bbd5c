"""The local backend's state files: the document (`<workspace>.state.json`, canonical JSON
replaced atomically), its backup, and the journal beside it (`<workspace>.state.journal`).

Once the file has `JOURNAL_FROM_BYTES`, a write that changes a few records appends one JSON
line (the delta, with its serial) to the journal and syncs it, instead of rewriting the whole
file; a read replays the journal over the file. Once the journal would pass `COMPACT_FRACTION`
of the file's size, the write rewrites the file whole instead and removes the journal
(compaction). A crash mid-append leaves a last line
without its newline: reads ignore it and the next write cuts it off. Lines whose serial the
file already holds (a crash between a rewrite and the journal's removal) are skipped. Writers
(the check of the serial, then the append or the rewrite) hold an exclusive `flock` on the
directory, so the compare-and-swap holds between processes even without the workspace lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import StateError
from reconciler.files import sync_folder, write_fd, write_temporary
from reconciler.state.backend import check_header
from reconciler.state.delta import StateDelta, header_of_line
from reconciler.state.encoding import (
    RawDocument,
    StateHeader,
    _canonical_header,
    decode_pending,
    encode,
    is_int,
    parse_header,
)
from reconciler.state.streamed import journal_lines, read_document_file

JOURNAL_FROM_BYTES = 1 << 20
"""assumed: a state file below 1 MiB is rewritten whole on every write (a few milliseconds),
so a small state stays one file."""

COMPACT_FRACTION = 0.5
"""assumed: the journal is folded into the state file once it would pass half the file's size
(a read then parses at most one and a half times the file)."""

_FILE_MODE = 0o600
_HEAD, _TAIL = 4096, 256
_PENDING = b'\n  "pending": {\n'
_TAIL_CHUNK = 1 << 16
_READ_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class _JournalEnd:
    size: int  # bytes in the file
    complete: int  # bytes up to the end of the last complete line
    last: StateHeader | None  # the header of the last complete line


class StateFiles:
    """The document file, its backup and its journal in `directory`."""

    def __init__(self, directory: Path, workspace: str, *, journal_from: int) -> None:
        self.directory = directory
        self._journal_from = journal_from
        self.state_path = directory / f"{workspace}.state.json"
        self.backup_path = directory / f"{workspace}.state.json.backup"
        self.journal_path = directory / f"{workspace}.state.journal"

    def read_bytes(self) -> bytes | None:
        """The document as stored, with the journal replayed (then re-encoded)."""
        main = _read(self.state_path)
        if main is None:
            return None
        if not _exists(self.journal_path):
            return main
        raw = self.read_document()
        return None if raw is None else encode(raw)

    def read_document(self) -> RawDocument | None:
        """The decoded document with the journal replayed; a read that raced a compaction
        (the journal continues a newer file) starts again."""
        for _ in range(_READ_ATTEMPTS):
            raw = read_document_file(self.state_path)  # a line at a time: never whole
            if raw is None:
                return None
            if self._replay(raw):
                decode_pending(raw)  # those the journal left
                return raw
        raise StateError(f"{self.journal_path} does not continue {self.state_path}")

    def read_header(self) -> StateHeader | None:
        """The stored header (see `_current`), or None when there is no state file."""
        return self._current()[0]

    def write_bytes(self, data: bytes, *, expected_serial: int | None, lineage: str) -> None:
        """Replace the whole document (the journal goes) if serial and lineage still match."""
        self._ensure_directory()
        with self._exclusive():
            header = self._current()[0]
            check_header(header, expected_serial=expected_serial, lineage=lineage)
            self._replace(data, has_previous=header is not None)

    def write_delta(
        self,
        delta: StateDelta,
        *,
        expected_serial: int,
        lineage: str,
        document: Callable[[], Iterable[bytes]],
    ) -> None:
        """Append `delta` to the journal, or rewrite the file whole when the journal has grown
        past its share, or when `delta` settles the last pending operations and the file holds
        some (a file rewritten mid-apply holds the intents of a large apply: each later read
        would parse them only to drop them)."""
        self._ensure_directory()
        with self._exclusive():
            header, file_size, end = self._current()
            check_header(header, expected_serial=expected_serial, lineage=lineage)
            line = delta.to_line()
            is_small = file_size < self._journal_from
            is_long = end.complete + len(line) > file_size * COMPACT_FRACTION
            if is_small or is_long or (delta.settles and _holds_pending(self.state_path)):
                self._replace(document(), has_previous=True)
                return
            self._append(line, end)

    def _replay(self, raw: RawDocument) -> bool:
        """Apply the journal's complete lines to `raw`; False when they skip a serial."""
        lineage, serial = raw.get("lineage"), raw.get("serial")
        for line in journal_lines(self.journal_path):  # a line at a time: never whole
            if not is_int(serial):
                raise StateError("invalid state document: serial missing or malformed")
            delta = _delta(line, self.journal_path)
            if delta.lineage != lineage or delta.serial <= serial:
                continue
            if delta.serial != serial + 1:
                return False
            delta.apply_to(raw)
            serial = delta.serial
        return True

    def _current(self) -> tuple[StateHeader | None, int, _JournalEnd]:
        """The stored header (the file's, or the journal's last line continuing it), the file's
        size and where the journal ends."""
        try:
            size = self.state_path.stat().st_size
        except FileNotFoundError:
            return None, 0, _JournalEnd(0, 0, None)
        except OSError as exc:
            raise StateError(f"cannot read {self.state_path}: {exc.strerror}") from None
        header = _file_header(self.state_path, size)
        end = _journal_end(self.journal_path)
        last = end.last
        if last is not None and last.lineage == header.lineage and last.serial > header.serial:
            header = last
        return header, size, end

    def _append(self, line: bytes, end: _JournalEnd) -> None:
        is_new = end.size == 0 and not _exists(self.journal_path)
        try:
            fd = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, _FILE_MODE)
        except OSError as exc:
            raise StateError(f"cannot open {self.journal_path}: {exc.strerror}") from None
        try:
            if end.size > end.complete:
                os.ftruncate(fd, end.complete)  # a torn line of a crashed write
            write_fd(fd, line)
        except OSError as exc:
            raise StateError(f"cannot append to {self.journal_path}: {exc.strerror}") from None
        if is_new:
            sync_folder(self.directory)

    def _replace(self, data: bytes | Iterable[bytes], *, has_previous: bool) -> None:
        """The new file synced aside, the current one linked as the backup, the new one renamed
        over it, then the journal removed (its lines are all in the new file)."""
        try:
            temporary = write_temporary(self.state_path, data)
        except OSError as exc:
            raise StateError(f"cannot write beside {self.state_path}: {exc.strerror}") from None
        try:
            if has_previous:
                aside = self.backup_path.with_name(f".{self.backup_path.name}.{os.getpid()}.tmp")
                aside.unlink(missing_ok=True)
                os.link(self.state_path, aside)
                aside.replace(self.backup_path)
            temporary.replace(self.state_path)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise StateError(f"cannot replace {self.state_path}: {exc.strerror}") from None
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        self.journal_path.unlink(missing_ok=True)
        sync_folder(self.directory)

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        try:
            fd = os.open(self.directory, os.O_RDONLY)
        except OSError as exc:
            raise StateError(f"cannot open {self.directory}: {exc.strerror}") from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError as exc:
                raise StateError(f"cannot lock {self.directory}: {exc.strerror}") from None
            yield
        finally:
            os.close(fd)  # releases the flock

    def _ensure_directory(self) -> None:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(f"cannot create {self.directory}: {exc.strerror}") from None


def _delta(line: bytes, path: Path) -> StateDelta:
    try:
        return StateDelta.from_line(line)
    except StateError as exc:
        raise StateError(f"{path}: {exc}") from None


def _file_header(path: Path, size: int) -> StateHeader:
    """Lineage and serial of the file, from its first and last bytes when it is canonical."""
    if size > _HEAD + _TAIL:
        try:
            with path.open("rb") as file:
                head = file.read(_HEAD)
                file.seek(size - _TAIL)
                header = _canonical_header(head + file.read())
        except OSError as exc:
            raise StateError(f"cannot read {path}: {exc.strerror}") from None
        if header is not None:
            return header
    data = _read(path)
    if data is None:
        raise StateError(f"{path} disappeared while it was read")
    return parse_header(data)


def _holds_pending(path: Path) -> bool:
    """Whether the canonical file at `path` holds pending operations (their section comes
    right after the lineage, at its start; an empty one is written `{}`)."""
    try:
        with path.open("rb") as file:
            head = file.read(_HEAD)
    except OSError:
        return False
    return _PENDING in head


def _journal_end(path: Path) -> _JournalEnd:
    """Where the journal's complete lines end and the header of the last one, read from the
    end of the file."""
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            chunk = _TAIL_CHUNK
            while True:
                start = max(0, size - chunk)
                file.seek(start)
                data = file.read(size - start)
                last = data.rfind(b"\n")
                before = data.rfind(b"\n", 0, last) if last >= 0 else -1
                if before >= 0 or start == 0:
                    break
                chunk *= 4
    except FileNotFoundError:
        return _JournalEnd(0, 0, None)
    except OSError as exc:
        raise StateError(f"cannot read {path}: {exc.strerror}") from None
    if last < 0:
        return _JournalEnd(size, 0, None)
    try:
        header = header_of_line(data[before + 1 : last])
    except StateError as exc:
        raise StateError(f"{path}: {exc}") from None
    return _JournalEnd(size, start + last + 1, header)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateError(f"cannot read {path}: {exc.strerror}") from None


def _exists(path: Path) -> bool:
    return path.exists()


__all__ = ["COMPACT_FRACTION", "JOURNAL_FROM_BYTES", "StateFiles"]
