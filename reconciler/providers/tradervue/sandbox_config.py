"""Settings of the Tradervue sandbox: the seeded organisation, validation limits, optional rate
limiting, latency and persistence."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MANAGER = ("sandbox-manager", "sandbox-not-a-secret")
"""(username, password) of the seeded organisation manager: sandbox-only values."""


@dataclass(frozen=True, slots=True)
class Outsider:
    """A user of another organisation: its username and e-mail are taken site-wide."""

    username: str
    email: str
    plan: str = "Free"
    billing_mode: str = "Tradervue CC"


@dataclass(frozen=True, slots=True)
class Seed:
    """What a fresh sandbox holds: the organisation, its manager, users of other organisations."""

    organization: str = "sandbox-prop"
    manager_username: str = DEFAULT_MANAGER[0]
    manager_password: str = field(default=DEFAULT_MANAGER[1], repr=False)
    manager_email: str = "manager@sandbox.invalid"
    manager_plan: str = "Gold"
    outsiders: tuple[Outsider, ...] = (
        Outsider("outsider", "outsider@other-org.invalid", "Silver", "Tradervue CC"),
    )


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Optional fault mode: past `limit` API requests in `per_seconds`, answer 429."""

    limit: int
    per_seconds: float = 60.0


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """How a sandbox behaves; every field has the decided default (see the gaps table).

    `plans` are the plans the organisation allows (title case); `latency` seconds are added
    to every request; `data_path` (optional) is loaded on start and saved atomically after
    each mutating request; `request_log_size` bounds the request log.
    """

    seed: Seed = field(default_factory=Seed)
    id_start: int = 10000
    plans: tuple[str, ...] = ("Free", "Silver", "Gold")
    max_trial_days: int = 30
    min_password: int = 6
    max_username: int = 40
    rate_limit: RateLimit | None = None
    latency: float = 0.0
    data_path: Path | None = None
    request_log_size: int = 100_000
