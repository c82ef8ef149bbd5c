"""When the watch loop runs next: the reason of a pending full run, the periodic full run, and the
back-off after a failed run (doubling from `retry` up to `retry_max`; `retry` after a lock)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reconciler.providers import Backoff


@dataclass(slots=True)
class Schedule:
    """The loop's run timing; `full` is why the next run is full (None: targeted, if any)."""

    retry: float
    retry_max: float
    interval: float | None
    monotonic: Callable[[], float]
    full: str | None = "start"
    retry_at: float = 0.0
    failures: int = 0
    next_interval: float | None = None

    def start_interval(self) -> None:
        """Count the interval from now (none when there is no `interval`)."""
        interval = self.interval
        self.next_interval = None if interval is None else self.monotonic() + interval

    def check_interval(self) -> None:
        """Ask for a full run when the interval has passed, and count the next one."""
        if self.next_interval is not None and self.monotonic() >= self.next_interval:
            self.full = self.full or "interval"
            self.start_interval()

    def is_due(self, *, has_events: bool) -> bool:
        """Whether a run is pending and its retry time (if any) has come."""
        pending = self.full is not None or has_events
        return pending and self.monotonic() >= self.retry_at

    def request_full(self, reason: str) -> None:
        """A full run, now (any back-off is dropped)."""
        self.full, self.retry_at = reason, 0.0

    def locked(self) -> None:
        """The state was locked: try again after `retry`."""
        self.retry_at = self.monotonic() + self.retry

    def failed(self) -> float:
        """A run failed: back off (doubling up to `retry_max`); the delay, in seconds."""
        self.failures += 1
        delay = Backoff(self.retry, self.retry_max).delay(self.failures - 1)
        self.retry_at = self.monotonic() + delay
        return delay

    def succeeded(self) -> None:
        """A run succeeded: the back-off starts over."""
        self.failures = 0

    def done(self, full: str | None) -> None:
        """The run asked for as `full` is done, unless a new full run was asked for since."""
        if self.full == full:
            self.full = None
