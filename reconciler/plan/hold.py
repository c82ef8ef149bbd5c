"""What holds a platform's object back, as a `Remote` shows it: an unmet precondition (a wait),
a wait apply checks with one call, attributes the platform refuses to change for now. Few
objects have any, and those that have share a handful: each distinct hold is made once and
shared (see `hold_of`), so a `Remote` keeps one field for the three."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

HOLDS_SHARED = 4096
"""Distinct holds kept for sharing (**assumed**, a tuning of ours: a firm's waits are a few
texts; past this many a hold is still made, only no longer shared)."""


@dataclass(frozen=True, slots=True)
class RemoteHold:
    """`blocked`, `probe` and `deferred` of a `Remote` (documented there)."""

    blocked: str | None
    probe: bool
    deferred: Mapping[str, str]


NO_HOLD = RemoteHold(None, False, MappingProxyType({}))
"""The hold of an object nothing holds back (nearly every object): one, shared."""

_HOLDS: dict[tuple[str | None, bool, int], RemoteHold] = {}
"""Holds by their values; `deferred` by identity, kept alive by the hold itself."""


def hold_of(blocked: str | None, probe: bool, deferred: Mapping[str, Any]) -> RemoteHold:
    """The one shared hold of these values (an equal hold made before), or a new one."""
    key = (blocked, probe, id(deferred))
    found = _HOLDS.get(key)
    if found is None:
        found = RemoteHold(blocked, probe, deferred)
        if len(_HOLDS) < HOLDS_SHARED:
            _HOLDS[key] = found
    return found


__all__ = ["HOLDS_SHARED", "NO_HOLD", "RemoteHold", "hold_of"]
