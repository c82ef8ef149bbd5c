"""Attributes filled by an `${env:}` / `${file:}` reference: sensitive wherever they land.

Such an attribute is named in the resource's `sensitive` like a password, shown `(sensitive)`,
and kept in state as its keyed digest only; unlike a password the platform shows its value, so
the remote value is digested the same way before the two are compared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from pydantic import SecretStr

from reconciler.plan.resource import DesiredResource, GeneratedSecret
from reconciler.plan.shape import shaped

DIGEST_PREFIX = "hmac-sha256:"
MIN_CONTAINED = 6
"""A reference's value this long or longer is also found inside a longer text (assumed: a
shorter one, e.g. a country code, is matched only as the whole value)."""


def mark_all_referenced(
    resources: list[DesiredResource], values: frozenset[str]
) -> list[DesiredResource]:
    """`mark_referenced` of each of `resources`, decided for all of them by one search when
    the values are few (at scale, no resource holds a referenced value: one pass of the
    firm's texts instead of one per resource)."""
    if not values or not resources:
        return resources
    needles = _needles(values)
    if needles.pattern is not None or not needles.long:
        texts: list[str] = []
        for resource in resources:
            _texts(resource.attributes.values(), texts)
        folded = "\0".join(texts).casefold()
        if not needles.is_whole_in(folded) and (
            needles.pattern is None or needles.pattern.search(folded) is None
        ):
            return resources
    return [mark_referenced(resource, values) for resource in resources]


def mark_referenced(resource: DesiredResource, values: frozenset[str]) -> DesiredResource:
    """`resource` with each attribute holding a referenced value added to `sensitive`."""
    if not values:
        return resource
    needles = _needles(values)
    if needles.misses_all(resource.attributes):
        return resource
    is_in = needles.is_in
    found = []
    for key, value in resource.attributes.items():
        # texts, the common case, without a call of `_holds` each
        if (is_in(value) if type(value) is str else _holds(value, needles)) and (
            key not in resource.sensitive
        ):
            found.append(key)
    if not found:
        return resource
    return replace(
        resource, shape=shaped(resource.shape, {"sensitive": resource.sensitive | set(found)})
    )


class _Needles:
    """The referenced values as they are looked for: whole (case-insensitively), and the long
    ones inside a text as well: by one pattern when they are few, by window when there are
    many (one set lookup per window and length instead of one search per value)."""

    __slots__ = ("folded", "lengths", "long", "pattern", "whole")

    def __init__(self, values: frozenset[str]) -> None:
        self.folded = frozenset(v.casefold() for v in values)
        self.long = frozenset(v.casefold() for v in values if len(v) >= MIN_CONTAINED)
        self.lengths = sorted({len(f) for f in self.long})
        self.pattern: re.Pattern[str] | None = None
        if self.long and len(self.long) <= _FEW:
            self.pattern = re.compile("|".join(re.escape(f) for f in sorted(self.long)))
        # what `is_whole_in` looks for: the pattern finds the long ones anywhere already
        self.whole = self.folded - self.long if self.pattern is not None else self.folded

    def is_whole_in(self, joined: str) -> bool:
        """Whether a value is one of the NUL-joined folded texts `joined`, whole: a search
        for each when they are few (no list of the texts), else one set lookup per text."""
        if len(self.whole) > _FEW:
            return not self.whole.isdisjoint(joined.split("\0"))
        padded = f"\0{joined}\0"
        return any(f"\0{value}\0" in padded for value in self.whole)

    def misses_all(self, attributes: Mapping[str, Any]) -> bool:
        """Whether no plain value of `attributes` holds a referenced one, decided by one search
        of them joined (False: undecided, when a value is nested or the values are many)."""
        if self.pattern is None and self.long:
            return False
        parts = []
        for value in attributes.values():
            kind = type(value)
            if kind is str:
                parts.append(value)
            elif kind is int or kind is float:
                parts.append(str(value))
            elif not (value is None or kind is bool or kind is GeneratedSecret):
                return False  # nested, or a type of its own: looked at value by value
        folded = "\0".join(parts).casefold()
        if self.is_whole_in(folded):
            return False
        return self.pattern is None or self.pattern.search(folded) is None

    def is_in(self, text: str) -> bool:
        folded = text.casefold()
        if folded in self.folded:
            return True
        if self.pattern is not None:
            return self.pattern.search(folded) is not None
        size = len(folded)
        long = self.long
        for length in self.lengths:
            if length > size:
                break
            if any(folded[i : i + length] in long for i in range(size - length + 1)):
                return True
        return False


_FEW = 64
"""Up to this many long values are searched for by one pattern."""


@lru_cache(maxsize=4)
def _needles(values: frozenset[str]) -> _Needles:
    return _Needles(values)


def _holds(value: Any, needles: _Needles) -> bool:
    texts: list[str] = []
    _texts((value,), texts)
    return any(map(needles.is_in, texts))


def _texts(values: Iterable[Any], out: list[str]) -> None:
    """Every text a referenced value is looked for in among `values`, appended to `out`: the
    values of a mapping and the items of a list, looked into; secrets, None and booleans left
    out; any other plain value as its text."""
    for value in values:
        kind = type(value)
        if kind is str:
            out.append(value)
        elif value is None or kind is bool or kind is GeneratedSecret or kind is SecretStr:
            continue
        elif kind is int or kind is float:
            out.append(str(value))
        elif isinstance(value, Mapping):
            _texts(value.values(), out)
        elif isinstance(value, list | tuple):
            _texts(value, out)
        elif not isinstance(value, SecretStr | GeneratedSecret):
            out.append(value if isinstance(value, str) else str(value))


def is_plain_sensitive(value: Any) -> bool:
    """A value of a sensitive attribute that is neither a secret object nor a digest yet."""
    return (
        value is not None
        and not isinstance(value, SecretStr | GeneratedSecret)
        and not (isinstance(value, str) and value.startswith(DIGEST_PREFIX))
    )


def digest_value(value: Any, digest: Callable[[str], str]) -> str:
    """The keyed digest of a plain value (text as is, anything else as canonical JSON)."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return digest(text)


def conceal(
    attributes: Mapping[str, Any], keys: frozenset[str], digest: Callable[[str], str]
) -> dict[str, Any]:
    """`attributes` with the plain values of `keys` replaced by their keyed digests."""
    return {
        key: digest_value(value, digest) if key in keys and is_plain_sensitive(value) else value
        for key, value in attributes.items()
    }


__all__ = [
    "conceal",
    "digest_value",
    "is_plain_sensitive",
    "mark_all_referenced",
    "mark_referenced",
]
