"""Reading one manifest file's YAML documents into plain values, in one pass of the C parser.

Values are built from parser events with an explicit stack (so any nesting is safe to read),
refusing duplicate keys, aliases and nesting deeper than `MAX_DEPTH`; mapping keys are text;
`yes`/`no`/`on`/`off` stay strings; references in string values are expanded on the way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

from reconciler.collector import quiet_gc
from reconciler.errors import ManifestError
from reconciler.manifest.models import Path
from reconciler.manifest.yaml_events import (
    MAX_DEPTH,
    SCALAR_TAGS,
    STR,
    SafeLoader,
    resolve_plain,
    syntax_errors,
)

ALIAS = "YAML aliases (*name) are not supported: write the value out"

Expand = Callable[[str], tuple[str, list[str]]]
"""Expands references in a string: (new text, one message per failed reference)."""


@dataclass(frozen=True, slots=True)
class Located:
    """A problem found while reading: its line, and its document path when known.

    `is_value_lost` means the value at `path` could not be read as written (a failed reference,
    an alias, a malformed date), so further complaints about that value are only noise.
    """

    line: int
    message: str
    doc: int = -1
    path: Path | None = None
    is_value_lost: bool = False


@dataclass(frozen=True, slots=True)
class Document:
    """One whole YAML document: its value, the line it starts on, each top-level item's line."""

    index: int
    value: Any
    line: int
    item_lines: tuple[int, ...] = ()


def read_documents(data: bytes, *, expand: Expand) -> tuple[list[Document], list[Located]]:
    """The whole documents of a UTF-8 YAML file, and the problems met; reading stops at a
    syntax error or absurd nesting (the document it interrupts is left out)."""
    builder = _Builder(expand)
    loader = SafeLoader(data)
    try:
        with quiet_gc(), syntax_errors(data):
            builder.run(loader.get_event)  # the parser's own method: no generator per event
    except ManifestError as exc:
        builder.problems.append(Located(exc.line, exc.message))
    finally:
        loader.dispose()
    if builder.aliases > 1:
        first = next(i for i, problem in enumerate(builder.problems) if problem.message == ALIAS)
        counted = f"{ALIAS} ({builder.aliases} aliases in this file)"
        builder.problems[first] = replace(builder.problems[first], message=counted)
    return builder.documents, builder.problems


class _Frame:
    """One open container on the builder's stack.

    `pending` is the key whose value is awaited (None between keys, `_NOT_A_KEY` when the key
    was a mapping or list, so its value is dropped); `last` is the key read before it.
    """

    __slots__ = ("container", "last", "pending")

    def __init__(self, container: Any) -> None:
        self.container = container
        self.pending: Any = None
        self.last: Any = None


_NO_FRAME = _Frame(None)
"""Stands for the top frame while the stack is empty (never written to)."""


class _Builder:
    """Turns events into values, keeping one `_Frame` per open container."""

    def __init__(self, expand: Expand) -> None:
        self.expand = expand
        self.documents: list[Document] = []
        self.problems: list[Located] = []
        self.stack: list[_Frame] = []
        self.constructor = yaml.constructor.SafeConstructor()
        self.root: Any = None
        self.root_line = 0
        self.item_lines: list[int] = []
        self.aliases = 0

    def run(self, next_event: Callable[[], Event | None]) -> None:
        """Consume events until the stream ends (`next_event` returns StreamEnd or None).

        The common events (a key, a quoted text value, an untagged mapping as a value, the
        end of a container) are handled inline, with the top frame kept in locals.
        """
        stack = self.stack
        top = _NO_FRAME  # the top frame, or a dummy when the stack is empty
        is_dict = False  # whether the top frame is a mapping
        while True:
            event: Any = next_event()
            kind = type(event)
            if kind is ScalarEvent:
                if is_dict:
                    key = top.pending
                    if key is None:
                        key = event.value
                        if key in top.container:
                            self._duplicate(key, event)
                        top.pending = key
                        continue
                    value = event.value
                    if event.tag is None and event.style and "${" not in value:
                        top.pending, top.last = None, key
                        if key is not _NOT_A_KEY and key not in top.container:
                            top.container[key] = value
                        continue
                self._add(self._scalar(event), event)
            elif kind is MappingStartEvent:
                key = top.pending
                if is_dict and key is not None and event.tag is None and len(stack) < MAX_DEPTH:
                    mapping: dict[str, Any] = {}
                    top.pending, top.last = None, key
                    if key is not _NOT_A_KEY and key not in top.container:
                        top.container[key] = mapping
                    top = _Frame(mapping)
                    stack.append(top)
                    continue
                self._open(event, is_mapping=True)
                top, is_dict = stack[-1], True
            elif kind is SequenceStartEvent:
                self._open(event, is_mapping=False)
                top, is_dict = stack[-1], False
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                stack.pop()
                top = stack[-1] if stack else _NO_FRAME
                is_dict = type(top.container) is dict
            elif kind is AliasEvent:
                self.aliases += 1
                message = ALIAS if self.aliases == 1 else ""  # one error for them all
                if is_dict and top.pending is None:
                    if message:
                        self._problem(event, message)
                    top.pending = _NOT_A_KEY
                else:
                    self._problem(event, message, path=self._path(), is_value_lost=True)
                    self._add(None, event)
            elif kind is DocumentStartEvent:
                self.root, self.root_line, self.item_lines = None, 0, []
            elif kind is DocumentEndEvent:
                index = len(self.documents)
                lines = tuple(self.item_lines)
                self.documents.append(Document(index, self.root, self.root_line, lines))
            elif event is None or kind is StreamEndEvent:
                return

    def _duplicate(self, key: str, event: Any) -> None:
        """Report a key met twice in the mapping being read (its frame is the top one)."""
        path = (*self._path(), key)
        self._problem(event, f"duplicate key {key!r} in this mapping", path=path)

    def _open(self, event: Any, *, is_mapping: bool) -> None:
        tag = event.tag
        expected = "tag:yaml.org,2002:map" if is_mapping else "tag:yaml.org,2002:seq"
        if tag is not None and tag != "!" and tag != expected:
            self._problem(event, f"unsupported YAML tag {tag!r}")
        if len(self.stack) >= MAX_DEPTH:
            line = event.start_mark.line + 1
            raise ManifestError(f"nesting deeper than {MAX_DEPTH} levels", line=line)
        container: dict[str, Any] | list[Any] = {} if is_mapping else []
        top = self.stack[-1] if self.stack else None
        if top is not None and top.pending is None and type(top.container) is dict:
            self._problem(event, "mapping keys must be plain text, not a mapping or list")
            top.pending = _NOT_A_KEY
        else:
            self._add(container, event)
        self.stack.append(_Frame(container))

    def _add(self, value: Any, event: Any) -> None:
        stack = self.stack
        if not stack:
            self.root = value
            self.root_line = event.start_mark.line + 1
            return
        top = stack[-1]
        container = top.container
        if type(container) is list:
            if len(stack) == 1:
                self.item_lines.append(event.start_mark.line + 1)
            container.append(value)
        else:
            key = top.pending
            top.pending = None
            top.last = key
            if key is not _NOT_A_KEY and key not in container:
                container[key] = value

    def _scalar(self, event: Any) -> Any:
        value: str = event.value
        tag = event.tag
        if tag is None:
            tag = resolve_plain(value) if event.implicit[0] else STR
        elif tag == "!":  # the non-specific tag: a string whatever it looks like
            tag = STR
        if tag == STR:
            if "${" in value:
                value, failures = self.expand(value)
                for message in failures:
                    self._problem(event, message, path=self._path(), is_value_lost=True)
            return value
        if tag not in SCALAR_TAGS:
            self._problem(event, f"unsupported YAML tag {tag!r}")
            return value
        node = ScalarNode(tag, value, event.start_mark, event.end_mark)
        try:
            return self.constructor.yaml_constructors[tag](self.constructor, node)
        except (ValueError, yaml.YAMLError):
            kind = tag.rsplit(":", 1)[-1]
            message = f"invalid {kind} (quote it if it is meant as text)"
            self._problem(event, message, path=self._path(), is_value_lost=True)
            return value

    def _path(self) -> Path:
        """The document path of the value being read (computed only when reporting)."""
        path: list[str | int] = []
        last = len(self.stack) - 1
        for depth, frame in enumerate(self.stack):
            # Below the top, the value being read was added to its container when it opened.
            container = frame.container
            if type(container) is list:
                path.append(len(container) - (depth < last))
            else:
                key = frame.last if depth < last else frame.pending
                if isinstance(key, str):
                    path.append(key)
        return tuple(path)

    def _problem(
        self, event: Any, message: str, *, path: Path | None = None, is_value_lost: bool = False
    ) -> None:
        self.problems.append(
            Located(
                event.start_mark.line + 1,
                message,
                doc=len(self.documents),
                path=path,
                is_value_lost=is_value_lost,
            )
        )


_NOT_A_KEY = object()
"""Pending-key marker after a mapping or list was used as a key: its value is dropped."""
