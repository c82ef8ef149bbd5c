"""Settings of the Tradovate sandbox: token lifetime, rate limits (by default the ones of
`limits.py`), latency, seed, persistence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reconciler.providers.sandbox.faults import Fault
from reconciler.providers.tradovate.limits import (
    ANONYMOUS,
    AUTHENTICATED,
    ENDPOINT_RULES,
    UserRule,
)

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
            path: EndpointLimit(
                rule.per_hour.value, rule.backoff_seconds.value, rule.counts_success
            )
            for path, rule in ENDPOINT_RULES.items()
        }
    )


def _user_limit(rule: UserRule) -> UserLimit:
    return UserLimit(rule.per_second.value, rule.per_minute.value, rule.per_hour.value)


_AUTHENTICATED = _user_limit(AUTHENTICATED)
_ANONYMOUS = _user_limit(ANONYMOUS)


@dataclass(frozen=True, slots=True)
class Limits:
    """All rate limits; `endpoints` is keyed by the lower-case path after `/v1/`.

    `captcha_after_tickets`: the n-th penalty ticket of an hour for `auth/accesstokenrequest`
    and every later one carry `p-captcha: true` (never admit a resend). 1, the default, follows
    the vendor's example README ("accesstokenrequest will always have the p-captcha: true if it
    responds with the time penalty"); a larger n lets tests exercise login resends.
    """

    authenticated: UserLimit = _AUTHENTICATED
    anonymous: UserLimit = _ANONYMOUS
    endpoints: Mapping[str, EndpointLimit] = field(default_factory=_endpoint_limits)
    captcha_after_tickets: int = 1
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
    data_account_id: int = 902
    data_account_name: str = "OTHERPROP_DATA"


def _tenants() -> tuple[Tenant, ...]:
    name, password, sec = OTHER_ADMIN
    return (Tenant(2, "Other Prop", 2, name, password, sec, "admin@other-prop.invalid"),)


@dataclass(frozen=True, slots=True)
class Seed:
    """What a fresh sandbox holds: the organisation, its admin and LIVE data account, plans,
    templates, entitlements, and other firms (`tenants`) whose users the organisation's callers
    can neither see nor change."""

    organization_id: int = 1
    organization_name: str = "Sandbox Prop"
    admin_id: int = 1
    admin_name: str = DEFAULT_ADMIN[0]
    admin_password: str = field(default=DEFAULT_ADMIN[1], repr=False)
    admin_sec: str = field(default=DEFAULT_ADMIN[2], repr=False)
    admin_email: str = "admin@sandbox.invalid"
    data_account_id: int = 901
    data_account_name: str = "SANDBOXPROP_DATA"
    """The firm's LIVE `_DATA` account (entitlement requests name it as `accountId`)."""
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
    A `user/syncrequest` with `splitResponses` is answered in parts of `sync_part_users` users
    (assumed: the platform documents the flag as mandatory for B2B vendors but not the size or
    shape of the parts; here each part is a reply with the request's id and a part of the
    snapshot). `sync_user_padding` bytes of filler in each user of a snapshot let a test make a
    large firm's answer with few users.
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
    sync_part_users: int = 1000
    sync_user_padding: int = 0
    faults: tuple[Fault, ...] = ()
    fault_seed: int = 0
