"""The package's indented JSON: the text `json.dumps(value, indent=N, ensure_ascii=False,
default=str)` writes, a part at a time for a document with one long list or mapping (a plan's
changes, the state's records), its plain values written by pydantic-core where its text is the
same (Python's indenting encoder is written in Python: several times slower)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from pydantic_core import to_json

__all__ = [
    "PLAIN_TYPES",
    "STREAMED",
    "alike_key",
    "dump_parts",
    "dumps",
    "joined",
    "plain_dumps",
]

PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
"""The types of JSON's scalar values, as Python decodes them (its own value, never a subclass's)."""


def alike_key(mapping: Mapping[str, Any]) -> tuple[tuple[str, type, Any], ...] | None:
    """A key equal for mappings alike, of plain values only: the same names, values and
    types of values (`true` is not `1` here); None when a value is not plain."""
    if not PLAIN_TYPES.issuperset(map(type, mapping.values())):
        return None
    return tuple((name, type(value), value) for name, value in mapping.items())


STREAMED = 1000
"""Members of a document's long list or mapping written at a time by `dump_parts` (assumed:
a tuning of ours; a part's objects and text are a few MiB)."""

_MEMBERS = "\x00members\x00"
"""Stands for the long member while the rest of the document is written (JSON writes its
control characters escaped: a text of the document reads alike only if it holds this one)."""

_EXPONENT = re.compile(rb"e[-+][0-9]")
"""A number written with an exponent (both write one with a sign), where pydantic-core's JSON
may differ from Python's; a number under 1e-4 written without one (`0.00001`, Python's
`1e-05`) holds `0.0000`. A text holding either only takes the slower way."""


def dumps(value: Any, *, indent: int) -> str:
    """`value` as Python's encoder writes it with `indent` (a value JSON has no form for: its
    text)."""
    return json.dumps(value, indent=indent, ensure_ascii=False, default=str)


def plain_dumps(value: Any, *, indent: int) -> str:
    """`dumps(value)` of plain JSON values (mappings with text keys, lists, texts, numbers,
    booleans, None), written by pydantic-core unless its text may differ from Python's (a
    number with an exponent or under 1e-4) or it cannot write it. Another value (a datetime)
    pydantic-core would write otherwise than `dumps`: not for those."""
    try:
        written = to_json(value, indent=indent)
    except ValueError:  # e.g. a text Python holds but UTF-8 cannot
        return dumps(value, indent=indent)
    if b"0.0000" in written or _EXPONENT.search(written):
        return dumps(value, indent=indent)
    return written.decode()


def dump_parts(
    document: Mapping[str, Any], key: str, members: Iterable[Any], *, indent: int
) -> Iterator[str]:
    """The text `dumps` gives `document` with `members` at its top-level `key`, STREAMED
    members at a time: an empty list at `key` takes `members` as its items, an empty mapping
    takes them as (name, value) pairs. Each part is the members written as one list or
    mapping would be (`plain_dumps`: plain JSON values only), its brackets left out and its
    lines indented one level deeper."""
    keyed = isinstance(document[key], Mapping)
    text, marker = dumps({**document, key: _MEMBERS}, indent=indent), dumps(_MEMBERS, indent=0)
    if text.count(marker) != 1:  # a text of the document reads as the marker: written whole
        yield dumps({**document, key: dict(members) if keyed else list(members)}, indent=indent)
        return
    head, _, tail = text.partition(marker)
    yield head
    yield from joined(
        (plain_dumps(dict(c) if keyed else c, indent=indent) for c in _chunks(members)),
        brackets="{}" if keyed else "[]",
        pad=" " * indent,
    )
    yield tail


def _chunks(members: Iterable[Any]) -> Iterator[list[Any]]:
    members = iter(members)
    while chunk := list(islice(members, STREAMED)):
        yield chunk


def joined(parts: Iterable[str], *, brackets: str = "[]", pad: str = "") -> Iterator[str]:
    """The text of one indented list (or mapping, `brackets="{}"`) from the texts of its
    parts, each written whole as a list or mapping of the same kind: their brackets left out,
    their items joined, their lines indented by `pad` more (the list's place in a document)."""
    opening, closing = brackets[0], brackets[1]
    first = True
    for written in parts:
        items = written[2:-2]  # its opening "[\n" and closing "\n]" left out
        if pad:
            items = items.replace("\n", "\n" + pad)
        yield (f"{opening}\n{pad}" if first else f",\n{pad}") + items
        first = False
    yield opening + closing if first else f"\n{pad}{closing}"
