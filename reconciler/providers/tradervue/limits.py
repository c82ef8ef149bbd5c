"""Tradervue's limits and rules, each documented (API docs section) or assumed; read by the
manifest checks and the sandbox alike."""

from __future__ import annotations

from reconciler.providers.facts import Fact, assumed, documented
from reconciler.providers.pacing import RateLimit

CHARTS_PER_USER = documented(4, "Tradervue API docs, users: `charts` holds at most 4 charts")
USERNAME_LENGTH = assumed(
    40, "the API docs give no username rules: 1 to 40 characters is the sandbox's choice"
)
MAX_TRIAL_DAYS = assumed(
    30,
    "the API docs refuse (400) a trial_end beyond the organization's maximum trial length "
    "without giving it: 30 days is the sandbox's default; a firm sets its own in "
    "providers.tradervue.max_trial_days",
)

FACTS: dict[str, Fact] = {
    "charts per user": CHARTS_PER_USER,
    "username length": USERNAME_LENGTH,
    "maximum trial length (days)": MAX_TRIAL_DAYS,
}
"""Every fact of this module by a readable name (for tables and tests)."""

RATE_LIMITS: tuple[RateLimit, ...] = ()
"""None documented anywhere: a firm declares its quota in `settings.rate_limits.tradervue`."""
