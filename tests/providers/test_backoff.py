"""The one backoff: doubling from the first wait up to the cap, shortened by the jitter."""

from __future__ import annotations

import pytest

from reconciler.providers import Backoff


def test_waits_double_from_the_first_up_to_the_cap() -> None:
    backoff = Backoff(0.5, 3.0)
    assert [backoff.delay(retry) for retry in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize(("jitter", "factor"), [(0.0, 0.5), (0.5, 0.75), (1.0, 1.0)])
def test_the_jitter_scales_each_wait_into_half_to_whole(jitter: float, factor: float) -> None:
    assert Backoff(2.0, 60.0).delay(1, jitter=jitter) == 4.0 * factor


def test_a_long_outage_stays_at_the_cap_without_overflow() -> None:
    assert Backoff(1e-9, 30.0).delay(1_000_000) == 30.0
