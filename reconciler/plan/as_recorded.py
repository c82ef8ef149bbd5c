"""A resource's declared attributes as state records them: without the values state never
records (a generated password, made and handed out by apply, never compared). A large firm's
users record exactly that; their records read as this view of the declared mapping rather
than a mapping of their own (200,000 at 100,000 traders)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, final

from reconciler.plan.compare import held_alike
from reconciler.plan.resource import GeneratedSecret


def as_recorded(
    recorded: Mapping[str, Any], declared: Mapping[str, Any], sensitive: frozenset[str]
) -> AsRecorded | None:
    """A view of `declared` without its generated secrets (among the `sensitive` names) when
    `recorded` holds every other declared value, equal and written alike, and nothing more;
    else None."""
    if not sensitive or len(recorded) >= len(declared):
        return None
    left_out = unrecorded(declared, sensitive)
    if not left_out:
        return None
    expected = {k: v for k, v in declared.items() if k not in left_out}
    if held_alike(recorded, expected) is not expected:  # equal, and written alike
        return None
    return AsRecorded(declared, left_out)


def unrecorded(declared: Mapping[str, Any], sensitive: frozenset[str]) -> frozenset[str]:
    """The names among `sensitive` of `declared`'s values state never records (generated
    secrets): `sensitive` itself when all are (a resource's shared set, no new one)."""
    generated = [k for k in sensitive if type(declared.get(k)) is GeneratedSecret]
    return sensitive if len(generated) == len(sensitive) else frozenset(generated)


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

    def leaves_out_every(self, declared: Mapping[str, Any], sensitive: frozenset[str]) -> bool:
        """Whether this is a view of `declared` itself less every name in `sensitive`: the
        record of a resource whose secrets are all generated, and otherwise as declared."""
        return self._declared is declared and self._left_out == sensitive

    def get(self, key: str, default: Any = None) -> Any:
        return default if key in self._left_out else self._declared.get(key, default)

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if not isinstance(other, Mapping):
            return NotImplemented
        if len(other) != len(self):
            return False
        held = other.get
        left_out = self._left_out
        for key, value in self._declared.items():
            if key not in left_out:
                found = held(key, _MISSING)
                if found is _MISSING or found != value:
                    return False
        return True

    def __repr__(self) -> str:
        return repr(dict(self))


_MISSING: Any = object()

__all__ = ["AsRecorded", "as_recorded", "unrecorded"]
