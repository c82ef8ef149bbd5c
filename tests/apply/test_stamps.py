"""Timestamps of records and audit entries: ISO 8601 in UTC, to the second, from the clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reconciler.apply import utc_now


@pytest.mark.parametrize("now", [0.0, 0.999, 1.0, 1.5, -0.5, 1_796_000_000.25, 1_796_000_000.75])
def test_a_stamp_is_the_clock_second_in_utc(now: float) -> None:
    expected = datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")
    assert utc_now(lambda: now) == expected.replace("+00:00", "Z")


def test_stamps_follow_the_clock_across_seconds() -> None:
    times = iter([10.2, 10.9, 11.0, 10.5, 3_600.0])
    stamps = [utc_now(lambda: next(times)) for _ in range(5)]
    assert stamps == [
        "1970-01-01T00:00:10Z",
        "1970-01-01T00:00:10Z",
        "1970-01-01T00:00:11Z",
        "1970-01-01T00:00:10Z",
        "1970-01-01T01:00:00Z",
    ]
