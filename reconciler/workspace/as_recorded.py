"""A resource's declared attributes as state records them: without the values state never
records (a generated password, made and handed out by apply, never compared). A large firm's
users record exactly that; their records read as this view of the declared mapping rather
than a mapping of their own (200,000 at 100,000 traders)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, final

from reconciler.plan import GeneratedSecret

LEFT_OUT_SHARED = 64
"""Distinct sets of left-out names shared (**assumed**, a tuning of ours: a firm has one or
two, `password`; past this many each view holds a set of its own)."""

_LEFT_OUT: dict[frozenset[str], frozenset[str]] = {}


def unrecorded(declared: Mapping[str, Any]) -> frozenset[str]:
    """The names of `declared`'s values state never records (generated secrets)."""
    names = frozenset(k for k, v in declared.items() if type(v) is GeneratedSecret)
    return _LEFT_OUT.setdefault(names, names) if len(_LEFT_OUT) < LEFT_OUT_SHARED else names


@final
class AsRecorded(Mapping[str, Any]):
    """`declared` without the names in `left_out` (all among its keys): a read-only view,
    equal to any mapping of the same entries, that iterates in the declared order."""

    __slots__ = ("_declared", "_left_out")

    def __init__(self, declared: Mapping[str, Any], left_out: frozenset[str]) -> None:
        self._declared = declared
        self._left_out = left_out

    def __getitem__(self, key: str) -> Any:
        if key in self._left_out:
            raise KeyError(key)
        return self._declared[key]

    def __iter__(self) -> Iterator[str]:
        left_out = self._left_out
        return (k for k in self._declared if k not in left_out)

    def __len__(self) -> int:
        return len(self._declared) - len(self._left_out)

    def __contains__(self, key: object) -> bool:
        return key not in self._left_out and key in self._declared

    def get(self, key: str, default: Any = None) -> Any:
        return default if key in self._left_out else self._declared.get(key, default)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        if len(other) != len(self):
            return False
        held = other.get
        missing = _MISSING
        for key, value in self.items():
            found = held(key, missing)
            if found is missing or found != value:
                return False
        return True

    def __repr__(self) -> str:
        return repr(dict(self))


_MISSING: Any = object()

__all__ = ["LEFT_OUT_SHARED", "AsRecorded", "unrecorded"]
