"""A cache of manifest files as read, keyed by the digest of their bytes: a large file that has
not changed since the last run is not parsed again.

An entry holds the file's documents with every reference (`${env:...}`, `${file:...}`) as
written, never its value; references are expanded anew on every load, so a changed variable
or file is seen. Only files read without any problem are cached; a reference that fails on a
cached file sends the file through the reader again, which reports it at its line. A missing,
unreadable, corrupted or older entry is ignored. Entries are written atomically, readable by
their owner only.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reconciler.files import write_atomically
from reconciler.manifest.documents import Document, Expand, Located, read_documents

FORMAT = b"reconciler-parse-cache 1\n"
"""Bumped whenever the reader builds other values from the same bytes."""

MIN_BYTES = 16 * 1024
"""Smaller files are read faster than an entry is looked up (assumed, measured here)."""

MAX_ENTRIES = 256
"""Entries kept; the least recently used beyond it are removed (assumed)."""

_REFERENCE, _DATE, _DATETIME = 0, 1, 2

_Fix = tuple[int, tuple[Any, ...], int]
"""(document index, path of the value, what to make of the text stored there)."""


class ParseCache:
    """Cached reads of manifest files in `directory` (created on the first write)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def default(cls, environ: Mapping[str, str]) -> ParseCache | None:
        """`RECONCILER_CACHE_DIR` (empty: no cache), else the user's cache directory."""
        chosen = environ.get("RECONCILER_CACHE_DIR")
        if chosen is not None:
            return cls(Path(chosen)) if chosen else None
        base = environ.get("XDG_CACHE_HOME") or (
            str(Path(environ["HOME"], ".cache")) if environ.get("HOME") else ""
        )
        return cls(Path(base, "reconciler", "manifests")) if base else None

    def read(self, data: bytes, *, expand: Expand) -> tuple[list[Document], list[Located]]:
        """What `read_documents(data, expand=expand)` returns, from the cache when it can."""
        if len(data) < MIN_BYTES:
            return read_documents(data, expand=expand)
        key = hashlib.sha256(FORMAT + data).hexdigest()
        entry = self._load(key)
        if entry is None:
            documents, problems = read_documents(data, expand=_verbatim)
            if problems:
                return read_documents(data, expand=expand)
            try:
                fixes = _stored_form(documents)
            except ValueError:
                return read_documents(data, expand=expand)
            entry = (documents, fixes)
            self.store_entry(key, _encode(documents, fixes))
        documents, fixes = entry
        if not _restore(documents, fixes, expand):
            return read_documents(data, expand=expand)  # reports the failure at its line
        return documents, []

    def _path(self, key: str) -> Path:
        return self.directory / key

    def _load(self, key: str) -> tuple[list[Document], list[_Fix]] | None:
        payload = self.load_entry(key)
        if payload is None:
            return None
        try:
            version, items, fixes = marshal.loads(payload)
            if version != FORMAT:
                return None
            documents = [Document(i, value, line, tuple(lines)) for i, value, line, lines in items]
        except (ValueError, TypeError, EOFError):
            return None
        return documents, list(fixes)

    def load_entry(self, key: str) -> bytes | None:
        """The payload stored under `key` (a hex digest), None when there is none or it is
        not whole; an entry read is marked recently used."""
        path = self._path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        digest, payload = raw[:32], raw[32:]
        if hashlib.sha256(payload).digest() != digest:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept by the pruning
        return payload

    def store_entry(self, key: str, payload: bytes) -> None:
        """Write an entry; a cache that cannot be written is no error (the next run parses)."""
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_atomically(self._path(key), hashlib.sha256(payload).digest() + payload)
            self._prune()
        except OSError:
            return

    def _prune(self) -> None:
        entries = [p for p in self.directory.iterdir() if len(p.name) == 64]
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda p: p.stat().st_mtime)
        for old in entries[: len(entries) - MAX_ENTRIES]:
            old.unlink(missing_ok=True)


def _verbatim(text: str) -> tuple[str, list[str]]:
    """References left as written (the cache never holds what they resolve to)."""
    return text, []


def _encode(documents: list[Document], fixes: list[_Fix]) -> bytes:
    items = [(d.index, d.value, d.line, d.item_lines) for d in documents]
    return marshal.dumps((FORMAT, items, fixes))


def _stored_form(documents: list[Document]) -> list[_Fix]:
    """Turn dates into their ISO text in place (marshal stores no dates) and list every value
    to fix on loading, in document order: dates, and texts holding a reference."""
    fixes: list[_Fix] = []
    for document in documents:
        value = document.value
        if type(value) is dict or type(value) is list:
            _walk(value, (), document.index, fixes)
        elif type(value) is str and "${" in value:  # a document that is a lone text
            fixes.append((document.index, (), _REFERENCE))
        elif isinstance(value, date):
            message = "a document that is a lone date"
            raise ValueError(message)  # not a manifest: left to the reader to report
    return fixes


def _walk(container: Any, path: tuple[Any, ...], index: int, fixes: list[_Fix]) -> None:
    pairs = container.items() if type(container) is dict else enumerate(container)
    for key, value in pairs:
        kind = type(value)
        if kind is dict or kind is list:
            _walk(value, (*path, key), index, fixes)
        elif kind is str:
            if "${" in value:
                fixes.append((index, (*path, key), _REFERENCE))
        elif kind is datetime:
            container[key] = value.isoformat()
            fixes.append((index, (*path, key), _DATETIME))
        elif kind is date:
            container[key] = value.isoformat()
            fixes.append((index, (*path, key), _DATE))


def _restore(documents: list[Document], fixes: list[_Fix], expand: Expand) -> bool:
    """Dates back, references expanded; False when a reference fails (or the entry is off)."""
    try:
        for index, path, kind in fixes:
            document = documents[index]
            if not path:
                text, failures = expand(document.value)
                if failures:
                    return False
                documents[index] = Document(index, text, document.line, document.item_lines)
                continue
            container = document.value
            for part in path[:-1]:
                container = container[part]
            last = path[-1]
            text = container[last]
            if kind == _REFERENCE:
                text, failures = expand(text)
                if failures:
                    return False
                container[last] = text
            elif kind == _DATETIME:
                container[last] = datetime.fromisoformat(text)
            else:
                container[last] = date.fromisoformat(text)
    except (LookupError, TypeError, ValueError):
        return False
    return True


__all__ = ["FORMAT", "MIN_BYTES", "ParseCache"]
