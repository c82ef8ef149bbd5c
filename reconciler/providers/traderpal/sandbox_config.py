"""Settings of the TraderPal Connect sandbox: API keys, rules, faults, seed and persistence."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

DEFAULT_API_KEY = "tp_sandbox_not_a_secret"
"""The write key every sandbox accepts: a sandbox-only value."""
READ_ONLY_API_KEY = "tp_sandbox_read_only"
"""A key allowed to read only (writes get 403), for tests of permissions."""

Permission = Literal["write", "read"]


def _default_keys() -> Mapping[str, Permission]:
    return MappingProxyType({DEFAULT_API_KEY: "write", READ_ONLY_API_KEY: "read"})


@dataclass(frozen=True, slots=True)
class Fault:
    """An injected failure: matching API requests are answered `status` (429 or 5xx).

    `method` and `path` are shell patterns (`*` matches anything, e.g. `/v1/users/*`); `times`
    bounds how many requests fail (None: all); `retry_after` seconds go in a Retry-After
    header; with `after_processing` the request is carried out first and only its answer is
    replaced (a lost response).
    """

    method: str = "*"
    path: str = "*"
    status: int = 503
    times: int | None = 1
    retry_after: int | None = None
    after_processing: bool = False

    def matches(self, method: str, path: str) -> bool:
        return fnmatch.fnmatchcase(method, self.method.upper()) and fnmatch.fnmatchcase(
            path, self.path
        )

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Fault:
        """A fault from its JSON form (the field names above); ValueError when malformed."""
        unknown = set(body) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
        fault = cls(**body)
        problems = [
            name
            for name, is_valid in (
                ("method", isinstance(fault.method, str)),
                ("path", isinstance(fault.path, str)),
                ("status", _is_int(fault.status) and (fault.status == 429 or fault.status >= 500)),
                ("times", fault.times is None or (_is_int(fault.times) and fault.times > 0)),
                ("retry_after", fault.retry_after is None or _is_int(fault.retry_after)),
                ("after_processing", isinstance(fault.after_processing, bool)),
            )
            if not is_valid
        ]
        if not problems and fault.status >= 600:
            problems.append("status")
        if not problems and (fault.retry_after or 0) < 0:
            problems.append("retry_after")
        if problems:
            raise ValueError(f"invalid {', '.join(problems)}")
        return fault


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """How a sandbox behaves; every field has the decided default.

    `api_keys` maps accepted keys to what they may do. `min_age` is the platform's age rule.
    With `auto_activate` a new user is verified at once. `seed_users` synthetic active users
    (`user<n>@seed.invalid`) exist from the start of an empty world. `latency` seconds are added
    to every request; `data_path` (optional) is loaded on start and saved atomically after each
    change; `request_log_size` bounds the log.
    """

    api_keys: Mapping[str, Permission] = field(default_factory=_default_keys, repr=False)
    min_age: int = 18
    auto_activate: bool = False
    faults: tuple[Fault, ...] = ()
    seed_users: int = 0
    id_seed: int = 0
    idempotency_ttl: float = 24 * 3600.0
    latency: float = 0.0
    data_path: Path | None = None
    request_log_size: int = 100_000
