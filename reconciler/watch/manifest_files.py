"""Noticing that the manifest files changed on disk: a poll of their names, sizes and
modification times, reported once the change has held still for one poll (an editor or a
`git checkout` writing several files is seen as one change, not as its halfway states)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from reconciler.manifest import SUFFIXES

Fingerprint = tuple[tuple[str, int, int], ...]


def fingerprint(root: Path) -> Fingerprint:
    """(relative path, mtime in ns, size) of every manifest file below `root`, sorted."""
    found = []
    for path in root.rglob("*"):
        if path.suffix not in SUFFIXES:
            continue
        try:
            stat = path.stat()
        except OSError:  # removed while we looked: the next poll sees the result
            continue
        if path.is_file():
            found.append((str(path.relative_to(root)), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(found))


class ManifestFiles:
    """Polls at most every `poll` seconds; `changed()` is True once per settled change."""

    def __init__(
        self, root: Path, *, poll: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._root = root
        self._poll = poll
        self._monotonic = monotonic
        self._loaded = fingerprint(root)
        self._candidate: Fingerprint | None = None
        self._next_poll = monotonic() + poll

    def changed(self) -> bool:
        now = self._monotonic()
        if now < self._next_poll:
            return False
        self._next_poll = now + self._poll
        current = fingerprint(self._root)
        if current == self._loaded:
            self._candidate = None
            return False
        if current != self._candidate:
            self._candidate = current  # changing: wait until it holds still for one poll
            return False
        self._loaded, self._candidate = current, None
        return True

    def mark_loaded(self) -> None:
        """The files as they are now were loaded (e.g. on SIGHUP): no change to report."""
        self._loaded, self._candidate = fingerprint(self._root), None
