"""Apply's schedule under rate limits: the requests a plan's batches make per platform and
endpoint class, and the least time the platforms' limits allow them (pure).

The requests themselves are paced by each client's `Pacer` (providers/pacing.py); this module
only foresees, so `plan` can say how long apply will take and why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reconciler.apply.batching import make_batches
from reconciler.apply.schedule import is_adoption_only
from reconciler.plan import Change, waves
from reconciler.providers import (
    ALL,
    Capabilities,
    RateLimit,
    binding_limit,
    format_duration,
    seconds_needed,
)

HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class Estimate:
    """The least time one platform's share of a plan takes, and the limit that sets it."""

    provider: str
    seconds: float
    requests: int
    reason: str
    limit: RateLimit | None = None


def planned_requests(
    changes: Sequence[Change],
    capabilities: Mapping[str, Capabilities],
    *,
    ordered: bool = False,
    level: Mapping[str, int] | None = None,
) -> dict[str, Counter[str]]:
    """Requests per provider and endpoint class (`all`: every request) of the plan's writes,
    batched as apply batches them (`ordered`: the changes are a plan's, in execution order;
    `level`: their waves, when known, see `waves`)."""
    counts: dict[str, Counter[str]] = {}
    providers: dict[str, str] = {}  # by kind: one split per kind, not per change
    for wave in waves(changes, ordered=ordered, level=level):
        by_provider: dict[str, list[Change]] = {}
        for change in wave:
            if is_adoption_only(change):
                continue
            kind = change.address.kind
            provider = providers.get(kind) or providers.setdefault(kind, change.address.provider)
            by_provider.setdefault(provider, []).append(change)
        for provider, mine in sorted(by_provider.items()):
            caps = capabilities.get(provider)
            if caps is None:
                continue
            counter = counts.setdefault(provider, Counter())
            for group in make_batches(mine, batch_size=caps.batch_size):
                for calls in caps.calls.get((group.kind, group.action), ()):
                    number = calls.count(group.changes)
                    if number:  # an endpoint the batch does not call is not listed
                        counter[calls.endpoint.lower()] += number
                        counter[ALL] += number
    return counts


def estimate(
    changes: Sequence[Change],
    capabilities: Mapping[str, Capabilities],
    limits: Mapping[str, Sequence[RateLimit]],
    *,
    ordered: bool = False,
    level: Mapping[str, int] | None = None,
) -> list[Estimate]:
    """Per provider with planned requests, the least time its limits allow, longest first."""
    estimates = []
    for provider, counter in planned_requests(
        changes, capabilities, ordered=ordered, level=level
    ).items():
        declared = limits.get(provider, ())
        seconds, reason = seconds_needed(declared, counter)
        _, limit = binding_limit(declared, counter)
        estimates.append(Estimate(provider, seconds, counter[ALL], reason, limit))
    return sorted(estimates, key=lambda e: (-e.seconds, e.provider))


def duration_note(
    changes: Sequence[Change],
    capabilities: Mapping[str, Capabilities],
    limits: Mapping[str, Sequence[RateLimit]],
    *,
    budget: float = HOUR,
    ordered: bool = False,
    level: Mapping[str, int] | None = None,
) -> str | None:
    """A plan note when the rate limits make apply take longer than `budget` seconds."""
    estimates = estimate(changes, capabilities, limits, ordered=ordered, level=level)
    slow = [e for e in estimates if e.seconds > budget]
    if not slow:
        return None
    reasons = "; ".join(f"{e.provider}: {e.reason}" for e in slow)
    note = (
        f"apply will take at least {format_duration(slow[0].seconds)} under the platforms' "
        f"rate limits ({reasons}); requests are paced to stay within them, platforms run at "
        "the same time, and an interrupted apply resumes where it stopped"
    )
    for e in slow:
        if e.limit is not None and e.limit.is_assumed:
            note += (
                f". The {e.provider} limit on {e.limit.endpoint} is assumed, not documented "
                f"({e.limit.source}): declare the firm's real quota in the Firm manifest under "
                f"settings.rate_limits.{e.provider} (endpoint: {e.limit.endpoint}, limit, "
                "per_seconds)"
            )
    return note


__all__ = ["Estimate", "duration_note", "estimate", "planned_requests"]
