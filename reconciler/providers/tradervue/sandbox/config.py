"""Settings of the Tradervue sandbox: the seeded organisation, validation limits, optional rate
limiting, latency and persistence."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reconciler.providers.sandbox.faults import Fault
from reconciler.providers.tradervue.limits import MAX_TRIAL_DAYS

DEFAULT_MANAGER = ("sandbox-manager", "sandbox-not-a-secret")
"""(username, password) of the seeded organisation manager: sandbox-only values."""
OTHER_MANAGER = ("other-manager", "other-firm-not-a-secret")
"""(username, password) of another organisation's manager: it sees only its own members."""


@dataclass(frozen=True, slots=True)
class Outsider:
    """A user of another organisation: its username and e-mail are taken site-wide."""

    username: str
    email: str
    plan: str = "Free"
    billing_mode: str = "Tradervue CC"


@dataclass(frozen=True, slots=True)
class Organization:
    """Another firm on the site: its organisation and its manager."""

    organization: str
    manager_username: str
    manager_password: str = field(repr=False)
    manager_email: str


def _organizations() -> tuple[Organization, ...]:
    username, password = OTHER_MANAGER
    return (Organization("other-prop", username, password, "manager@other-prop.invalid"),)


@dataclass(frozen=True, slots=True)
class Seed:
    """What a fresh sandbox holds: the organisation, its manager, users of other organisations,
    and other organisations with managers of their own (each sees only its members)."""

    organization: str = "sandbox-prop"
    manager_username: str = DEFAULT_MANAGER[0]
    manager_password: str = field(default=DEFAULT_MANAGER[1], repr=False)
    manager_email: str = "manager@sandbox.invalid"
    manager_plan: str = "Gold"
    outsiders: tuple[Outsider, ...] = (
        Outsider("outsider", "outsider@other-org.invalid", "Silver", "Tradervue CC"),
    )
    organizations: tuple[Organization, ...] = field(default_factory=_organizations)


@dataclass(frozen=True, slots=True)
class SandboxRateLimit:
    """Optional fault mode: past `limit` API requests in `per_seconds`, answer 429."""

    limit: int
    per_seconds: float = 60.0


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """How a sandbox behaves; every field has the decided default (see the gaps table).

    `plans` are the plans the organisation allows (title case); `latency` seconds are added
    to every request; `data_path` (optional) is loaded on start and saved atomically after
    each mutating request (write-behind once saves get slow, and on stop: see `WriteBehind`);
    `request_log_size` bounds the request log; `faults` are armed from the start, drawn with
    `fault_seed` (see `providers.sandbox.faults`).
    """

    seed: Seed = field(default_factory=Seed)
    id_start: int = 10000
    plans: tuple[str, ...] = ("Free", "Silver", "Gold")
    max_trial_days: int = MAX_TRIAL_DAYS.value
    min_password: int = 6
    max_username: int = 40
    rate_limit: SandboxRateLimit | None = None
    latency: float = 0.0
    data_path: Path | None = None
    request_log_size: int = 100_000
    faults: tuple[Fault, ...] = ()
    fault_seed: int = 0
