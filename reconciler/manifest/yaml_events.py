"""The YAML event source of manifest files: libyaml parser events, its errors translated to
ManifestError at their line, and the YAML 1.2 resolution of plain scalars."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType

import yaml
from yaml.events import Event

from reconciler.errors import ManifestError

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

__all__ = [
    "BOOL",
    "IMPLICIT",
    "MAX_DEPTH",
    "SCALAR_TAGS",
    "STR",
    "TRUE_OR_FALSE",
    "SafeLoader",
    "events",
    "resolve_plain",
    "syntax_errors",
]

MAX_DEPTH = 64
STR = "tag:yaml.org,2002:str"
BOOL = "tag:yaml.org,2002:bool"
SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp")
)
TRUE_OR_FALSE = frozenset(("true", "false"))

IMPLICIT: Mapping[str, list[tuple[str, re.Pattern[str]]]] = MappingProxyType(
    yaml.resolver.Resolver.yaml_implicit_resolvers
)
"""PyYAML's implicit resolvers of plain scalars, by first character (read-only view)."""


def events(data: bytes) -> Iterator[Event]:
    """Parser events of `data`; a YAML error raises ManifestError at its line (no path)."""
    loader = SafeLoader(data)
    try:
        while True:
            with syntax_errors(data):
                event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            yield event
    finally:
        loader.dispose()


@contextmanager
def syntax_errors(data: bytes) -> Iterator[None]:
    """Re-raise the parser's errors as ManifestError at their line (no path)."""
    try:
        yield
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        column = _tab_column(data, mark.line) if mark else 0
        if column:
            message = f"invalid YAML: a tab indents this line (column {column}); indent with spaces"
            raise ManifestError(message, line=line) from exc
        if exc.problem and "maximum nesting depth" in exc.problem:
            # libyaml's own limit (far above ours), met while it scans ahead: say it as ours
            raise ManifestError(f"nesting deeper than {MAX_DEPTH} levels", line=line) from exc
        parts = [part for part in (exc.context, exc.problem) if part]
        raise ManifestError("invalid YAML: " + ", ".join(parts), line=line) from exc
    except yaml.reader.ReaderError as exc:
        line = data.count(b"\n", 0, max(exc.position, 0)) + 1
        raise ManifestError(f"invalid YAML: {exc.reason}", line=line) from exc
    except yaml.YAMLError as exc:
        raise ManifestError(f"invalid YAML: {type(exc).__name__}") from exc


def _tab_column(data: bytes, index: int) -> int:
    """The 1-based column of a tab in the indentation of line `index` (0-based), or 0."""
    lines = data.split(b"\n", index + 1)
    if index >= len(lines):
        return 0
    text = lines[index]
    indentation = text[: len(text) - len(text.lstrip(b" \t"))]
    return indentation.find(b"\t") + 1


def resolve_plain(value: str) -> str:
    """The tag of an untagged plain scalar, as PyYAML resolves it except that only
    true/false are booleans (YAML 1.2): `country: NO` stays the text "NO"."""
    for tag, pattern in IMPLICIT.get(value[:1], ()):
        if pattern.match(value):
            if tag == BOOL and value.lower() not in TRUE_OR_FALSE:
                return STR
            return tag if tag in SCALAR_TAGS else STR  # `=` and `<<` are text here
    return STR
