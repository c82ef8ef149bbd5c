"""Settings of the Tradovate sandbox: token lifetime, rate limits, latency, seed, persistence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reconciler.providers.sandbox.faults import Fault

DEFAULT_ADMIN = ("sandbox_admin", "sandbox-not-a-secret", "sandbox-sec")
"""(name, password, sec) of the seeded organisation administrator: sandbox-only values."""
OTHER_ADMIN = ("other_admin", "other-firm-not-a-secret", "other-firm-sec")
"""(name, password, sec) of another firm's administrator: its users are out of our reach."""

UNLIMITED = 10**12


@dataclass(frozen=True, slots=True)
class UserLimit:
    """User-level sliding windows for one kind of caller (authenticated user or anonymous IP)."""

    per_second: int
    per_minute: int
    per_hour: int


@dataclass(frozen=True, slots=True)
class EndpointLimit:
    """Endpoint-level window (1 h): past `per_hour` counted calls a caller gets penalty tickets.

    `backoff_seconds` is the first ticket's p-time; `counts_success` False counts failures only.
    `window_seconds` shortens the window (benchmarks of pacing that cannot wait hours).
    """

    per_hour: int
    backoff_seconds: int
    counts_success: bool
    window_seconds: float = 3600.0


def _endpoint_limits() -> Mapping[str, EndpointLimit]:
    return MappingProxyType(
        {
            "auth/accesstokenrequest": EndpointLimit(5, 15, counts_success=False),
            "auth/renewaccesstoken": EndpointLimit(15, 15, counts_success=True),
            "auth/me": EndpointLimit(10, 30, counts_success=False),
            "user/createevaluationusers": EndpointLimit(100, 1, counts_success=False),
            "user/createevaluationaccounts": EndpointLimit(100, 1, counts_success=False),
            "user/syncrequest": EndpointLimit(300, 3, counts_success=True),
            "contactinfo/updatecontactinfo": EndpointLimit(1000, 1, counts_success=True),
            "accountriskstatus/switchriskcategory": EndpointLimit(5000, 1, counts_success=True),
        }
    )


@dataclass(frozen=True, slots=True)
class Limits:
    """All rate limits; `endpoints` is keyed by the lower-case path after `/v1/`."""

    authenticated: UserLimit = UserLimit(per_second=5000, per_minute=5000, per_hour=5000)
    anonymous: UserLimit = UserLimit(per_second=100, per_minute=1000, per_hour=1000)
    endpoints: Mapping[str, EndpointLimit] = field(default_factory=_endpoint_limits)
    captcha_after_tickets: int = 3
    max_penalty_seconds: int = 3600

    @classmethod
    def unlimited(cls) -> Limits:
        """Limits nobody reaches: for benchmarks that load large worlds through the API."""
        lavish = UserLimit(per_second=UNLIMITED, per_minute=UNLIMITED, per_hour=UNLIMITED)
        return cls(authenticated=lavish, anonymous=lavish, endpoints=MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class TemplateAccount:
    """A template account set up by Eval Support: a DEMO account owned by the admin."""

    id: int
    name: str
    risk_category_id: int
    auto_liq_profile_id: int


def _plans() -> tuple[Mapping[str, Any], ...]:
    common = {"price": 0, "category": "Evaluation", "trial": False, "duration": 1}
    return (
        {
            "id": 501,
            "name": "SANDBOX_MONTHLY",
            "title": "Sandbox monthly",
            **common,
            "durationUnits": "Month",
            "organizationId": 1,
        },
        {
            "id": 502,
            "name": "OTHERFIRM_MONTHLY",
            "title": "Other firm monthly",
            **common,
            "durationUnits": "Month",
            "organizationId": 2,
        },
    )


def _entitlements() -> tuple[Mapping[str, Any], ...]:
    return (
        {
            "id": 12345,
            "name": "T-Prop",
            "title": "Tradovate Prop",
            "price": 0,
            "legalEntityType": "SimPlusBeta",
        },
        {
            "id": 22,
            "name": "GroupTrade",
            "title": "GroupTrade",
            "price": 0,
            "discontinuedDate": {"year": 2024, "month": 1, "day": 1},
            "legalEntityType": "NTCore",
        },
        {"id": 85, "name": "Live+", "title": "Live+", "price": 0, "legalEntityType": "NTCore"},
        {
            "id": 301,
            "name": "TradingView",
            "title": "TradingView",
            "price": 0,
            "legalEntityType": "NTCore",
        },
    )


def _templates() -> tuple[TemplateAccount, ...]:
    return (
        TemplateAccount(1001, "TEMPLATE25K", 11, 21),
        TemplateAccount(1002, "TEMPLATE50K", 12, 22),
        TemplateAccount(1003, "TEMPLATE100K", 13, 23),
    )


@dataclass(frozen=True, slots=True)
class Tenant:
    """Another partner firm on the same platform: its organisation and its administrator."""

    organization_id: int
    organization_name: str
    admin_id: int
    admin_name: str
    admin_password: str = field(repr=False)
    admin_sec: str = field(repr=False)
    admin_email: str


def _tenants() -> tuple[Tenant, ...]:
    name, password, sec = OTHER_ADMIN
    return (Tenant(2, "Other Prop", 2, name, password, sec, "admin@other-prop.invalid"),)


@dataclass(frozen=True, slots=True)
class Seed:
    """What a fresh sandbox holds: the organisation, its admin, plans, templates, entitlements,
    and other firms (`tenants`) whose users the organisation's callers can neither see nor
    change."""

    organization_id: int = 1
    organization_name: str = "Sandbox Prop"
    admin_id: int = 1
    admin_name: str = DEFAULT_ADMIN[0]
    admin_password: str = field(default=DEFAULT_ADMIN[1], repr=False)
    admin_sec: str = field(default=DEFAULT_ADMIN[2], repr=False)
    admin_email: str = "admin@sandbox.invalid"
    mda_alert_id: int = 70
    mda_alert_name: str = "custapp:nonpro-signed"
    market_data_plan_id: int = 3
    """MarketDataSubscriptionPlan of CMEGROUP_TOP, granted with a Sim+ entitlement."""
    plans: tuple[Mapping[str, Any], ...] = field(default_factory=_plans)
    templates: tuple[TemplateAccount, ...] = field(default_factory=_templates)
    entitlements: tuple[Mapping[str, Any], ...] = field(default_factory=_entitlements)
    tenants: tuple[Tenant, ...] = field(default_factory=_tenants)


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """How a sandbox behaves; every field has the documented (or decided) default.

    `latency` seconds are added to every request; `data_path` (optional) is loaded on start
    and saved atomically after each mutating request (write-behind once saves get slow, and
    on stop: see `WriteBehind`); `request_log_size` bounds the log;
    `faults` are armed from the start, drawn with `fault_seed` (see `providers.sandbox.faults`).
    On the WebSocket, the server sends `h` every `socket_heartbeat` seconds and closes a
    connection that sent nothing for `socket_idle_timeout` seconds (both in real time).
    """

    token_ttl: float = 5400.0
    max_sessions_per_user: int = 2
    limits: Limits = field(default_factory=Limits)
    lockout_seconds: float = 3600.0
    latency: float = 0.0
    id_start: int = 10000
    seed: Seed = field(default_factory=Seed)
    data_path: Path | None = None
    request_log_size: int = 100_000
    socket_heartbeat: float = 2.5
    socket_idle_timeout: float = 10.0
    faults: tuple[Fault, ...] = ()
    fault_seed: int = 0
