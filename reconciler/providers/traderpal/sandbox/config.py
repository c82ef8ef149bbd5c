"""Settings of the TraderPal Connect sandbox: API keys, rules, faults, seed and persistence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from reconciler.providers.sandbox.faults import Fault

DEFAULT_API_KEY = "tp_sandbox_not_a_secret"
"""The write key every sandbox accepts: a sandbox-only value."""
READ_ONLY_API_KEY = "tp_sandbox_read_only"
"""A key allowed to read only (writes get 403), for tests of permissions."""
OTHER_PARTNER_API_KEY = "tp_sandbox_other_partner"
"""The write key of another partner: it neither sees nor changes the default partner's users."""
OTHER_PARTNER = "other-partner"

Permission = Literal["write", "read"]


def _default_keys() -> Mapping[str, Permission]:
    return MappingProxyType(
        {DEFAULT_API_KEY: "write", READ_ONLY_API_KEY: "read", OTHER_PARTNER_API_KEY: "write"}
    )


def _default_partners() -> Mapping[str, str]:
    return MappingProxyType({OTHER_PARTNER_API_KEY: OTHER_PARTNER})


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """How a sandbox behaves; every field has the decided default.

    `api_keys` maps accepted keys to what they may do; `partners` maps a key to the partner
    (tenant) holding it, the default partner when absent. `min_age` is the platform's age rule.
    With `auto_activate` a new user is verified at once. `seed_users` synthetic active users
    (`user<n>@seed.invalid`) exist from the start of an empty world. `latency` seconds are added
    to every request; `data_path` (optional) is loaded on start and saved atomically after each
    change (write-behind once saves get slow, and on stop: see `WriteBehind`);
    `request_log_size` bounds the log; `faults` are armed from the start, drawn with
    `fault_seed` (see `providers.sandbox.faults`). With `documented_shapes` every answer carries
    only the fields the Users API document shows for it (create and list: no dateOfBirth,
    country, phoneNumber, updatedAt, verificationStatus; get: no updatedAt; update: no
    createdAt); the default answers the full user everywhere (gap P14).
    """

    api_keys: Mapping[str, Permission] = field(default_factory=_default_keys, repr=False)
    partners: Mapping[str, str] = field(default_factory=_default_partners, repr=False)
    min_age: int = 18
    auto_activate: bool = False
    faults: tuple[Fault, ...] = ()
    fault_seed: int = 0
    seed_users: int = 0
    id_seed: int = 0
    idempotency_ttl: float = 24 * 3600.0
    latency: float = 0.0
    data_path: Path | None = None
    request_log_size: int = 100_000
    documented_shapes: bool = False
