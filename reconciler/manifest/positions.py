"""Line numbers of document paths, found by reading a file's events again (only files with errors).

A path that does not exist (a missing field) maps to the deepest existing mapping or list on it;
a path through a mapping key maps to the key's line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from yaml.events import (
    CollectionEndEvent,
    DocumentStartEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceStartEvent,
)

from reconciler.errors import ManifestError
from reconciler.manifest.models import Path
from reconciler.manifest.yaml_events import events

Spot = tuple[int, Path]
"""A document index and a path inside that document."""


class PathLines:
    """Lines of the wanted paths (and all their prefixes) in one file."""

    def __init__(self, data: bytes, wanted: Iterable[Spot]) -> None:
        prefixes = {(doc, path[:n]) for doc, path in wanted for n in range(len(path) + 1)}
        self._lines = _find(data, prefixes)

    def line(self, doc: int, path: Path) -> int:
        """The line of `path`, or of its deepest existing prefix; 0 when the document is unread."""
        for n in range(len(path), -1, -1):
            found = self._lines.get((doc, path[:n]))
            if found is not None:
                return found
        return 0


def _find(data: bytes, wanted: set[Spot]) -> dict[Spot, int]:
    """First line of each wanted spot. Frames are [path, is_mapping, next index or pending key]."""
    found: dict[Spot, int] = {}
    doc = -1
    stack: list[list[Any]] = []
    try:
        for event in events(data):
            if isinstance(event, DocumentStartEvent):
                doc += 1
                stack.clear()
                continue
            if isinstance(event, CollectionEndEvent):
                stack.pop()
                continue
            if not isinstance(event, NodeEvent):
                continue
            path: Path | None
            if not stack:
                path = ()
            else:
                top = stack[-1]
                parent: Path | None = top[0]
                if top[1]:
                    if top[2] is _KEY:
                        key = event.value if isinstance(event, ScalarEvent) else None
                        top[2] = key
                        path = None if parent is None or key is None else (*parent, key)
                    else:
                        path = None if parent is None or top[2] is None else (*parent, top[2])
                        top[2] = _KEY
                else:
                    path = None if parent is None else (*parent, top[2])
                    top[2] += 1
            # The first occurrence wins: a key's line before its value's, a duplicate's never.
            if path is not None and (doc, path) in wanted and (doc, path) not in found:
                found[(doc, path)] = event.start_mark.line + 1 if event.start_mark else 0
            if isinstance(event, MappingStartEvent):
                stack.append([path, True, _KEY])
            elif isinstance(event, SequenceStartEvent):
                stack.append([path, False, 0])
    except ManifestError:  # a syntax error: lines before it are known
        pass
    return found


_KEY = object()
"""Marks a mapping frame that expects a key next."""
