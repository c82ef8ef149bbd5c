"""TraderPal Connect's limits and rules, each documented (its users API page) or assumed; read by
the client and the sandbox alike."""

from __future__ import annotations

from reconciler.providers.facts import Fact, documented
from reconciler.providers.pacing import RateLimit

USERS_PER_PAGE = documented(1000, "TraderPal Connect docs, users list: `limit` at most 1000")
DEFAULT_USERS_PER_PAGE = documented(100, "TraderPal Connect docs, users list: `limit` default 100")

FACTS: dict[str, Fact] = {
    "users per list page (most)": USERS_PER_PAGE,
    "users per list page (default)": DEFAULT_USERS_PER_PAGE,
}
"""Every fact of this module by a readable name (for tables and tests)."""

RATE_LIMITS: tuple[RateLimit, ...] = ()
"""None documented beyond "429 exists": a firm declares its quota in
`settings.rate_limits.traderpal`."""
