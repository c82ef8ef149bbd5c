"""Pacing requests under a platform's rate limits: a token bucket per (endpoint class, window).

Where pacing lives: apply owns the schedule (which batches run, how many at once), but one
`execute` or `read` may make many requests, so the request-level gate sits in front of each
HTTP request: every client takes a `Pacer` (built from its adapter's declared limits, with
the Firm's overrides) and calls `acquire(endpoint)` before sending. Adapters never see it;
a client without one sends at once (`Pacer.unpaced()`).

Why it never trips a platform's sliding window: a limit of `L` requests per `T` seconds is a
bucket of `L` tokens; sending takes one, and it comes back `T + slack` seconds later (not
trickled back at a rate, which would let up to 2L through some window of T). So at most `L`
requests are sent in any `T + slack` seconds, and with up to `slack` seconds between sending
and the platform's clock, no window of `T` seconds on the platform holds more than `L`.
Limits that count failures only (`counts_success=False`) take a token before the call and
get it back when the call succeeded.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

ALL = "all"
"""The endpoint class every request belongs to (user-level limits)."""

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A documented limit on one endpoint class: at most `limit` calls per `per_seconds`.

    `endpoint` is `all` (every request: a user-level limit) or the name the provider's client
    gives the endpoint when it asks to send (e.g. `user/createevaluationusers`).
    `counts_success` False: the platform counts only failed calls against the limit.
    `is_assumed`: no platform document states it (`source` says why); a firm's own declaration
    in `settings.rate_limits` is never assumed.
    """

    endpoint: str
    limit: int
    per_seconds: float
    counts_success: bool = True
    is_assumed: bool = False
    source: str = ""


class TokenBucket:
    """The free slots of one limit's window; not thread-safe (the Pacer holds the lock).

    Invariant: `returns` holds, in order, when each token taken within the last window comes
    back; at most `limit.limit` of them are outstanding.
    """

    __slots__ = ("limit", "returns", "window")

    def __init__(self, limit: RateLimit, *, slack: float = 1.0) -> None:
        self.limit = limit
        self.window = limit.per_seconds + min(slack, limit.per_seconds / 10)
        self.returns: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Seconds until a token is free (0 when one is)."""
        returns = self.returns
        while returns and returns[0] <= now:
            returns.popleft()
        return 0.0 if len(returns) < self.limit.limit else returns[0] - now

    def take(self, now: float) -> None:
        self.returns.append(now + self.window)

    def give_back(self) -> None:
        if self.returns:
            self.returns.pop()

    def seconds_for(self, requests: int) -> float:
        """The least time `requests` take from a full bucket: a full bucket goes at once,
        each further bucketful one window later."""
        if requests <= self.limit.limit:
            return 0.0
        return ((requests - 1) // self.limit.limit) * self.window


@dataclass(frozen=True, slots=True)
class Permit:
    """What `acquire` took; `settle` gives back failure-only tokens of a successful call."""

    pacer: Pacer | None
    refundable: tuple[TokenBucket, ...] = ()

    def settle(self, *, succeeded: bool) -> None:
        if succeeded and self.refundable and self.pacer is not None:
            self.pacer.give_back(self.refundable)


_HERE = threading.local()


def paced_here() -> float:
    """Seconds the calling thread has slept in pacers so far: a call's time less what it
    waited for a token is the time the platform and this process took (see apply's throttle)."""
    seconds: float = getattr(_HERE, "seconds", 0.0)
    return seconds


class Pacer:
    """Admits requests under every limit that applies to them, sleeping when one is empty.

    A limit applies to a request when its endpoint is `all` or the request's endpoint
    (compared lower-case). Thread-safe: concurrent batches share one pacer per platform.
    `waited` is the total time callers slept here.
    """

    def __init__(
        self, limits: Iterable[RateLimit], *, clock: Clock, sleep: Sleep, slack: float = 1.0
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, list[TokenBucket]] = {}
        for limit in limits:
            bucket = TokenBucket(limit, slack=slack)
            self._buckets.setdefault(limit.endpoint.lower(), []).append(bucket)
        self.waited = 0.0
        self.requests = 0

    @classmethod
    def unpaced(cls) -> Pacer:
        """A pacer with no limits: admits every request at once."""
        return cls((), clock=lambda: 0.0, sleep=lambda _: None)

    @property
    def limits(self) -> tuple[RateLimit, ...]:
        return tuple(b.limit for buckets in self._buckets.values() for b in buckets)

    def acquire(self, endpoint: str) -> Permit:
        """Wait until every applicable bucket has a token, then take one from each."""
        buckets = [*self._buckets.get(ALL, ()), *self._buckets.get(endpoint.lower(), ())]
        if not buckets:
            with self._lock:
                self.requests += 1
            return Permit(None)
        while True:
            with self._lock:
                now = self._clock()
                delay = max(bucket.wait(now) for bucket in buckets)
                if delay <= 0.0:
                    for bucket in buckets:
                        bucket.take(now)
                    self.requests += 1
                    refundable = tuple(b for b in buckets if not b.limit.counts_success)
                    return Permit(self, refundable)
                self.waited += delay
            _HERE.seconds = paced_here() + delay
            self._sleep(delay)

    def give_back(self, buckets: Sequence[TokenBucket]) -> None:
        with self._lock:
            for bucket in buckets:
                bucket.give_back()


def merge_limits(
    declared: Sequence[RateLimit], overrides: Sequence[RateLimit]
) -> tuple[RateLimit, ...]:
    """The declared limits with each endpoint class named in `overrides` replaced by the
    overrides' windows for it (a negotiated quota, or a sandbox configured otherwise)."""
    replaced = {o.endpoint.lower() for o in overrides}
    kept = [limit for limit in declared if limit.endpoint.lower() not in replaced]
    return (*kept, *overrides)


def seconds_needed(limits: Sequence[RateLimit], requests: Mapping[str, int]) -> tuple[float, str]:
    """The least time `requests` (count per endpoint class; `all` is their total) take under
    `limits`, and a description of the limit that sets it ("" when none binds)."""
    worst, limit = binding_limit(limits, requests)
    if limit is None:
        return worst, ""
    return worst, f"{requests[limit.endpoint.lower()]:,} requests, {describe(limit)}"


def binding_limit(
    limits: Sequence[RateLimit], requests: Mapping[str, int]
) -> tuple[float, RateLimit | None]:
    """The least time `requests` take under `limits`, and the limit that sets it (None: none)."""
    worst: float = 0.0
    binding: RateLimit | None = None
    for limit in limits:
        count = requests.get(limit.endpoint.lower(), 0)
        if not count or not limit.counts_success:
            continue  # a failure-only limit does not slow down calls that succeed
        seconds = TokenBucket(limit).seconds_for(count)
        if seconds > worst:
            worst, binding = seconds, limit
    return worst, binding


def describe(limit: RateLimit) -> str:
    """`5,000 per hour (all endpoints)` or `100 per hour (user/createevaluationusers)`."""
    units = {1.0: "second", 60.0: "minute", 3600.0: "hour", 86400.0: "day"}
    period = units.get(float(limit.per_seconds))
    if period is None:
        period = f"{limit.per_seconds:g} seconds"
    scope = "all endpoints" if limit.endpoint.lower() == ALL else limit.endpoint
    if limit.is_assumed:
        scope += ", assumed"
    return f"{limit.limit:,} per {period} ({scope})"


def format_duration(seconds: float) -> str:
    """`2 h 05 min`, `45 min`, or `30 s`."""
    total = math.ceil(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min" if not secs else f"{minutes} min {secs:02d} s"
    return f"{secs} s"


__all__ = [
    "ALL",
    "Pacer",
    "Permit",
    "RateLimit",
    "TokenBucket",
    "binding_limit",
    "describe",
    "format_duration",
    "merge_limits",
    "seconds_needed",
]
