"""The one backoff of the project: waits doubling from a first delay up to a cap, optionally
shortened by a jitter. Platform-dictated waits (Retry-After, a penalty ticket's p-time) are
not backoffs: callers take them as given."""

from __future__ import annotations

from dataclasses import dataclass

_MAX_DOUBLINGS = 60
"""Past this many doublings any useful cap is reached; bounding it keeps 2**n finite."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits of `initial` seconds, doubling with each retry, never above `cap`."""

    initial: float
    cap: float

    def delay(self, retry: int, *, jitter: float = 1.0) -> float:
        """The wait before retry number `retry` (0 for the first), scaled by a factor in
        [0.5, 1] drawn from `jitter` in [0, 1]; the default 1.0 waits the full delay."""
        grown = self.initial * 2.0 ** min(max(retry, 0), _MAX_DOUBLINGS)
        return min(self.cap, grown) * (0.5 + jitter / 2)
