"""Attribute values as plain text: JSON-like scalars, inline lists, brace blocks for mappings.

Secrets never get through: the SENSITIVE marker and recorded digests both print `(sensitive)`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence, Set
from decimal import Decimal

from reconciler.plan import SENSITIVE

DIGEST_PREFIX = "hmac-sha256:"
"""How state records a secret: a keyed digest, still never shown."""

BLOCK_INDENT = "    "
"""Indentation of the keys inside a nested mapping block."""

_BARE_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@+-]*$")


def is_sensitive(value: object) -> bool:
    """True for the SENSITIVE marker and for any recorded secret digest."""
    return isinstance(value, str) and (value == SENSITIVE or value.startswith(DIGEST_PREFIX))


def format_key(key: object) -> str:
    """An attribute name: bare when it is a plain identifier, JSON-quoted otherwise."""
    text = str(key)
    return text if _BARE_KEY.match(text) else json.dumps(text, ensure_ascii=False)


def format_value(value: object) -> list[str]:
    """A value as lines: one for scalars and lists, a brace block for a non-empty mapping.

    Lines after the first are relative to the column where the attribute's key starts.
    """
    if isinstance(value, Mapping) and value:
        lines = ["{"]
        lines.extend(BLOCK_INDENT + line for line in assignment_lines(value))
        lines.append("}")
        return lines
    return [format_inline(value)]


def assignment_lines(mapping: Mapping[object, object]) -> list[str]:
    """`key = value` lines for a mapping, keys sorted and `=` aligned."""
    keys = sorted(mapping, key=str)
    names = [format_key(key) for key in keys]
    width = max((len(name) for name in names), default=0)
    lines: list[str] = []
    for name, key in zip(names, keys, strict=True):
        value_lines = format_value(mapping[key])
        lines.append(f"{name.ljust(width)} = {value_lines[0]}")
        lines.extend(value_lines[1:])
    return lines


def format_inline(value: object) -> str:
    """A value on one line; mappings inside lists become `{key = value, ...}`."""
    if is_sensitive(value):
        return SENSITIVE
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return _format_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        items = (
            f"{format_key(key)} = {format_inline(value[key])}" for key in sorted(value, key=str)
        )
        return "{" + ", ".join(items) + "}"
    if isinstance(value, Set):
        return "[" + ", ".join(sorted(format_inline(item) for item in value)) + "]"
    if isinstance(value, Sequence):
        return "[" + ", ".join(format_inline(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _format_number(value: int | float | Decimal) -> str:
    """Numbers as a person wrote them: 50000.0 prints 50000, 0.25 prints 0.25."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        is_whole = value.is_finite() and value == value.to_integral_value()
        return str(int(value)) if is_whole else str(value)
    return str(int(value)) if value.is_integer() else repr(value)
