"""Test doubles shared across the suite: a clock that never waits on real time."""

from __future__ import annotations

from datetime import UTC, datetime

MONDAY_MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC).timestamp()
"""A Monday, so weekly archiving of signals stays out of the way."""


class FakeClock:
    """Call it for the time; `sleep` records the wait and moves the clock instead of waiting."""

    def __init__(self, start: float = MONDAY_MORNING) -> None:
        self.now = start
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds
