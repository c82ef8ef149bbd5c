"""Tradovate's limits and rules, each documented (partner docs page) or assumed; read by the
client, the adapter and the sandbox alike, so the emulator never enforces a different number."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from reconciler.providers.facts import Fact, assumed, documented
from reconciler.providers.pacing import RateLimit

HOUR = 3600.0
MINUTE = 60.0
_RATES = "partner docs, rate-limits"


@dataclass(frozen=True, slots=True)
class EndpointRule:
    """An endpoint-level limit: calls an hour per caller, the first penalty ticket's wait, and
    whether successful calls count (False: only failures do)."""

    per_hour: Fact
    backoff_seconds: Fact
    counts_success: bool


@dataclass(frozen=True, slots=True)
class UserRule:
    """User-level windows for one kind of caller."""

    per_second: Fact
    per_minute: Fact
    per_hour: Fact


def _rule(endpoint: str, per_hour: int, backoff: int, *, counts_success: bool) -> EndpointRule:
    counted = "" if counts_success else ", failed calls only"
    return EndpointRule(
        documented(per_hour, f"{_RATES}: {endpoint} {per_hour} an hour{counted}"),
        documented(backoff, f"{_RATES}: {endpoint} back-off {backoff} s"),
        counts_success,
    )


def _user(kind: str, second: int, minute: int, hour: int) -> UserRule:
    return UserRule(
        documented(second, f"{_RATES}: {kind} users {second:,} a second"),
        documented(minute, f"{_RATES}: {kind} users {minute:,} a minute"),
        documented(hour, f"{_RATES}: {kind} users {hour:,} an hour"),
    )


USERS_PER_CREATE = documented(100, "partner docs, createEvaluationUsers: up to 100 users a call")
ACCOUNTS_PER_CREATE = documented(
    100, "partner docs, createEvaluationAccounts: up to 100 accounts a call"
)
MASTER_IDS_PER_LDEPS = assumed(
    1000, "no document states how many master ids one `ldeps` call accepts"
)
IDS_PER_ITEMS = assumed(
    10,
    "no document states how many ids one `items?ids=` call accepts; a third-party note saw "
    "the platform answer 404 with an empty body beyond about 10",
)
CONTACT_CHANGES = EndpointRule(
    assumed(1000, "the partner docs' endpoint-level table has no row for contact-info changes"),
    assumed(1, "as the documented rows of other novel operations (1 s)"),
    counts_success=True,
)
AUTHENTICATED = _user("authenticated", 5000, 5000, 5000)
ANONYMOUS = _user("anonymous", 100, 1000, 1000)

ENDPOINT_RULES: Mapping[str, EndpointRule] = MappingProxyType(
    {
        "auth/accesstokenrequest": _rule("accesstokenrequest", 5, 15, counts_success=False),
        "auth/renewaccesstoken": _rule("renewaccesstoken", 15, 15, counts_success=True),
        "auth/me": _rule("me", 10, 30, counts_success=False),
        "user/createevaluationusers": _rule("createevaluationusers", 100, 1, counts_success=False),
        "user/createevaluationaccounts": _rule(
            "createevaluationaccounts", 100, 1, counts_success=False
        ),
        "user/syncrequest": _rule("syncrequest", 300, 3, counts_success=True),
        "contactinfo/updatecontactinfo": CONTACT_CHANGES,
        "accountriskstatus/switchriskcategory": _rule(
            "switchriskcategory", 5000, 1, counts_success=True
        ),
    }
)
"""Endpoint-level limits by lower-case path after `/v1/` (the sandbox enforces all of them)."""

FACTS: Mapping[str, Fact] = MappingProxyType(
    {
        "users per createEvaluationUsers call": USERS_PER_CREATE,
        "accounts per createEvaluationAccounts call": ACCOUNTS_PER_CREATE,
        "master ids per ldeps call": MASTER_IDS_PER_LDEPS,
        "ids per items call": IDS_PER_ITEMS,
        **{
            f"{kind} calls per {unit}": getattr(rule, f"per_{unit}")
            for kind, rule in (("authenticated", AUTHENTICATED), ("anonymous", ANONYMOUS))
            for unit in ("second", "minute", "hour")
        },
        **{f"{path} calls per hour": rule.per_hour for path, rule in ENDPOINT_RULES.items()},
        **{f"{path} back-off (s)": rule.backoff_seconds for path, rule in ENDPOINT_RULES.items()},
    }
)
"""Every fact of this module by a readable name (for tables and tests)."""


def _rate(endpoint: str, fact: Fact, per_seconds: float, *, counts_success: bool) -> RateLimit:
    return RateLimit(
        endpoint,
        fact.value,
        per_seconds,
        counts_success=counts_success,
        is_assumed=fact.is_assumed,
        source=fact.source,
    )


RATE_LIMITS = (
    _rate("all", AUTHENTICATED.per_hour, HOUR, counts_success=True),
    _rate("all", AUTHENTICATED.per_minute, MINUTE, counts_success=True),
    *(
        _rate(path, rule.per_hour, HOUR, counts_success=rule.counts_success)
        for path, rule in ENDPOINT_RULES.items()
        if path not in {"auth/me", "user/syncrequest"}  # endpoints the client never calls
    ),
)
"""The limits the client paces under: user level (authenticated) and endpoint level."""
