"""One injected failure of a sandbox (`Fault`): what it matches, its effect, and its checked
JSON form."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

BUILT_IN = frozenset({"status", "reset", "delay", "malformed"})
_MAX_DELAY = 600.0


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected failure; `method` and `path` are shell patterns matched without case."""

    method: str = "*"
    path: str = "*"
    effect: str = "status"
    status: int = 503
    after_processing: bool = False
    seconds: float = 0.0
    times: int | None = 1
    probability: float = 1.0
    retry_after: int | None = None

    def matches(self, method: str, path: str) -> bool:
        return fnmatch.fnmatchcase(method.upper(), self.method.upper()) and fnmatch.fnmatchcase(
            path.lower(), self.path.lower()
        )

    @classmethod
    def from_json(cls, body: Mapping[str, Any], *, effects: frozenset[str] = BUILT_IN) -> Fault:
        """A fault from its JSON form (`count` is accepted for `times`); ValueError naming
        what is wrong."""
        values = dict(body)
        if "count" in values:
            values.setdefault("times", values.pop("count"))
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
        fault = cls(**values)
        problems = [name for name, is_valid in fault._checks(effects) if not is_valid]
        if problems:
            raise ValueError(f"invalid {', '.join(problems)}")
        return fault

    def _checks(self, effects: frozenset[str]) -> list[tuple[str, bool]]:
        return [
            ("method", isinstance(self.method, str)),
            ("path", isinstance(self.path, str)),
            ("effect", isinstance(self.effect, str) and self.effect in effects),
            ("status", _is_int(self.status) and (self.status == 429 or 500 <= self.status < 600)),
            ("after_processing", isinstance(self.after_processing, bool)),
            ("seconds", _is_number(self.seconds) and 0 <= self.seconds <= _MAX_DELAY),
            ("times", self.times is None or _is_at_least(self.times, 1)),
            ("probability", _is_number(self.probability) and 0 < self.probability <= 1),
            ("retry_after", self.retry_after is None or _is_at_least(self.retry_after, 0)),
        ]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_at_least(value: object, minimum: int) -> bool:
    return _is_int(value) and isinstance(value, int) and value >= minimum


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
