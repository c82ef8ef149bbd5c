"""Sliding-window counters: how many events fell in the last `seconds`, against a limit."""

from __future__ import annotations

from collections import deque


class SlidingWindow:
    """Event times within the last `seconds`; full once `limit` of them remain in the window.

    Times are whatever clock the caller uses (epoch seconds); they must not go backwards.
    """

    __slots__ = ("_times", "limit", "seconds")

    def __init__(self, *, seconds: float, limit: int) -> None:
        self.seconds = seconds
        self.limit = limit
        self._times: deque[float] = deque()

    def count(self, now: float) -> int:
        """Events in the window ending at `now`."""
        horizon = now - self.seconds
        times = self._times
        while times and times[0] <= horizon:
            times.popleft()
        return len(times)

    def is_full(self, now: float) -> bool:
        """Whether one more event at `now` would exceed the limit."""
        return self.count(now) >= self.limit

    def add(self, now: float) -> None:
        """Record one event at `now`, even past the limit (callers decide what full means)."""
        self._times.append(now)

    def __repr__(self) -> str:
        return (
            f"SlidingWindow(seconds={self.seconds}, limit={self.limit}, events={len(self._times)})"
        )
