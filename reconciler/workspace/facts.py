"""Recorded facts as a large state's records hold them in memory: one mapping for the records
of a kind whose facts are alike, and facts of one entry each its own in a quarter of a dict's
size (an account's trading permission id, 200,000 of them at 100,000 traders)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, final

from reconciler.json_text import alike_key

FACTS_SHARED_PER_KIND = 64
"""Distinct facts of one kind shared among its records (assumed: a tuning of ours); a kind
with more (an id of its own in each record) keeps each record's."""

NO_FACTS: Mapping[str, Any] = MappingProxyType({})
"""The facts of a record that has none (most records): one shared empty mapping."""


class AlikeFacts:
    """The facts of a pass over records, shared among the records of a kind whose facts are
    alike (a TraderPal user's verification: two values among a firm's users), of plain
    values only; facts of one entry not shared are a `OneFact`."""

    def __init__(self) -> None:
        self._seen: dict[str, dict[tuple[object, ...], Mapping[str, Any]] | None] = {}

    def shared(self, kind: str, facts: dict[str, Any]) -> Mapping[str, Any]:
        if not facts:
            return NO_FACTS
        seen = self._seen.setdefault(kind, {})
        key = None if seen is None else alike_key(facts)
        if seen is None or key is None:
            return _own(facts)
        found = seen.get(key)
        if found is None:
            if len(seen) >= FACTS_SHARED_PER_KIND:
                self._seen[kind] = None  # facts of their own: none shared from now on
                return _own(facts)
            found = seen[key] = facts
        return found


def _own(facts: dict[str, Any]) -> Mapping[str, Any]:
    if len(facts) == 1:
        ((key, value),) = facts.items()
        return OneFact(key, value)
    return facts


@final
class OneFact(Mapping[str, Any]):
    """A read-only mapping of one entry, equal to any mapping of that one entry."""

    __slots__ = ("_key", "_value")

    def __init__(self, key: str, value: Any) -> None:
        self._key = key
        self._value = value

    def __getitem__(self, key: str) -> Any:
        if key == self._key:
            return self._value
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter((self._key,))

    def __len__(self) -> int:
        return 1

    def __contains__(self, key: object) -> bool:
        return key == self._key

    def get(self, key: str, default: Any = None) -> Any:
        return self._value if key == self._key else default

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        key = self._key
        return len(other) == 1 and key in other and other[key] == self._value

    def __repr__(self) -> str:
        return repr({self._key: self._value})


__all__ = ["FACTS_SHARED_PER_KIND", "NO_FACTS", "AlikeFacts", "OneFact"]
