"""Tradovate's limits and rules, each documented (partner docs page) or assumed; read by the
client, the adapter and the sandbox alike, so the emulator never enforces a different number."""

from __future__ import annotations

from reconciler.providers.facts import Fact, assumed, documented
from reconciler.providers.pacing import RateLimit

HOUR = 3600.0
MINUTE = 60.0

USERS_PER_CREATE = documented(100, "partner docs, createEvaluationUsers: up to 100 users a call")
ACCOUNTS_PER_CREATE = documented(
    100, "partner docs, createEvaluationAccounts: up to 100 accounts a call"
)
MASTER_IDS_PER_LDEPS = assumed(
    1000, "no document states how many master ids one `ldeps` call accepts"
)
CONTACT_CHANGES_PER_HOUR = assumed(
    1000, "the partner docs' endpoint-level table has no row for contact-info changes"
)
CONTACT_CHANGE_BACKOFF = assumed(1, "as the documented rows of other novel operations (1 s)")
USER_CALLS_PER_HOUR = documented(5000, "partner docs, rate-limits: authenticated users, per hour")
USER_CALLS_PER_MINUTE = documented(
    5000, "partner docs, rate-limits: authenticated users, per minute"
)
TOKEN_REQUESTS_PER_HOUR = documented(
    5, "partner docs, rate-limits: accesstokenrequest 5 an hour, failed calls only"
)
TOKEN_RENEWALS_PER_HOUR = documented(15, "partner docs, rate-limits: renewaccesstoken 15 an hour")
USER_CREATES_PER_HOUR = documented(
    100, "partner docs, rate-limits: createevaluationusers 100 an hour, failed calls only"
)
ACCOUNT_CREATES_PER_HOUR = documented(
    100, "partner docs, rate-limits: createevaluationaccounts 100 an hour, failed calls only"
)

FACTS: dict[str, Fact] = {
    "users per createEvaluationUsers call": USERS_PER_CREATE,
    "accounts per createEvaluationAccounts call": ACCOUNTS_PER_CREATE,
    "master ids per ldeps call": MASTER_IDS_PER_LDEPS,
    "contact-info changes per hour": CONTACT_CHANGES_PER_HOUR,
    "back-off after a contact-info penalty (s)": CONTACT_CHANGE_BACKOFF,
    "calls per hour (authenticated user)": USER_CALLS_PER_HOUR,
    "calls per minute (authenticated user)": USER_CALLS_PER_MINUTE,
    "token requests per hour": TOKEN_REQUESTS_PER_HOUR,
    "token renewals per hour": TOKEN_RENEWALS_PER_HOUR,
    "createEvaluationUsers calls per hour": USER_CREATES_PER_HOUR,
    "createEvaluationAccounts calls per hour": ACCOUNT_CREATES_PER_HOUR,
}
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
    _rate("all", USER_CALLS_PER_HOUR, HOUR, counts_success=True),
    _rate("all", USER_CALLS_PER_MINUTE, MINUTE, counts_success=True),
    _rate("auth/accesstokenrequest", TOKEN_REQUESTS_PER_HOUR, HOUR, counts_success=False),
    _rate("auth/renewaccesstoken", TOKEN_RENEWALS_PER_HOUR, HOUR, counts_success=True),
    _rate("user/createevaluationusers", USER_CREATES_PER_HOUR, HOUR, counts_success=False),
    _rate("user/createevaluationaccounts", ACCOUNT_CREATES_PER_HOUR, HOUR, counts_success=False),
    _rate("contactinfo/updatecontactinfo", CONTACT_CHANGES_PER_HOUR, HOUR, counts_success=True),
)
"""The limits the client paces under: user level (authenticated) and endpoint level."""
