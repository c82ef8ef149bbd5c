"""The pacer: token buckets per endpoint class that never let a platform's window overflow."""

from __future__ import annotations

import random
import threading

import pytest

from reconciler.providers.pacing import (
    Pacer,
    RateLimit,
    TokenBucket,
    describe,
    format_duration,
    merge_limits,
    seconds_needed,
)


class FakeTime:
    """A clock that only moves when someone sleeps (thread-safe)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


def pacer(*limits: RateLimit, time: FakeTime) -> Pacer:
    return Pacer(limits, clock=time.clock, sleep=time.sleep)


def test_a_full_bucket_goes_at_once_then_waits_for_the_window() -> None:
    time = FakeTime()
    paced = pacer(RateLimit("all", 3, 60.0), time=time)
    sent = []
    for _ in range(7):
        paced.acquire("user/list")
        sent.append(time.now - 1000.0)
    assert sent == [0, 0, 0, 61, 61, 61, 122]  # window 60 s plus 1 s of slack
    assert paced.waited == pytest.approx(122)
    assert paced.requests == 7


@pytest.mark.parametrize("seed", range(5))
def test_no_window_of_the_platform_ever_holds_more_than_the_limit(seed: int) -> None:
    """Requests arrive at random; every 60 s window of send times holds at most 10."""
    time = FakeTime()
    rng = random.Random(seed)
    paced = pacer(RateLimit("all", 10, 60.0), RateLimit("all", 25, 600.0), time=time)
    sent = []
    for _ in range(120):
        time.now += rng.choice([0.0, 0.0, 0.5, 3.0, 20.0])
        paced.acquire("x")
        sent.append(time.now)
    for start in sent:
        assert sum(1 for t in sent if start <= t < start + 60.0) <= 10
        assert sum(1 for t in sent if start <= t < start + 600.0) <= 25


def test_a_limit_binds_only_its_endpoint_and_all_binds_every_request() -> None:
    time = FakeTime()
    paced = pacer(
        RateLimit("all", 100, 60.0), RateLimit("contactinfo/updatecontactinfo", 2, 60.0), time=time
    )
    for _ in range(2):
        paced.acquire("contactinfo/updatecontactinfo")
    for _ in range(50):
        paced.acquire("user/list")  # other endpoints are not held back
    assert time.now == 1000.0
    paced.acquire("ContactInfo/UpdateContactInfo")  # compared lower-case
    assert time.now == pytest.approx(1061.0)


def test_failure_only_limits_give_the_token_back_after_a_success() -> None:
    time = FakeTime()
    paced = pacer(RateLimit("auth/accesstokenrequest", 1, 3600.0, counts_success=False), time=time)
    for _ in range(5):
        paced.acquire("auth/accesstokenrequest").settle(succeeded=True)
    assert time.now == 1000.0
    paced.acquire("auth/accesstokenrequest").settle(succeeded=False)
    paced.acquire("auth/accesstokenrequest")
    assert time.now == pytest.approx(1000.0 + 3601.0)


def test_an_unpaced_pacer_never_sleeps() -> None:
    paced = Pacer.unpaced()
    for _ in range(1000):
        paced.acquire("anything").settle(succeeded=False)
    assert paced.waited == 0.0
    assert paced.requests == 1000


def test_concurrent_callers_share_the_buckets() -> None:
    time = FakeTime()
    paced = pacer(RateLimit("all", 5, 10.0), time=time)
    threads = [threading.Thread(target=paced.acquire, args=("x",)) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert paced.requests == 12
    assert time.slept  # some callers had to wait for the window


def test_overrides_replace_the_declared_windows_of_the_classes_they_name() -> None:
    declared = (
        RateLimit("all", 5000, 3600.0),
        RateLimit("all", 5000, 60.0),
        RateLimit("contactinfo/updatecontactinfo", 1000, 3600.0),
    )
    merged = merge_limits(declared, (RateLimit("ALL", 60, 60.0),))
    assert merged == (
        RateLimit("contactinfo/updatecontactinfo", 1000, 3600.0),
        RateLimit("ALL", 60, 60.0),
    )


def test_the_least_time_comes_from_the_binding_limit() -> None:
    limits = (
        RateLimit("all", 5000, 3600.0),
        RateLimit("user/createevaluationusers", 100, 3600.0, counts_success=False),
        RateLimit("contactinfo/updatecontactinfo", 1000, 3600.0),
    )
    seconds, why = seconds_needed(
        limits,
        {"all": 12000, "user/createevaluationusers": 120, "contactinfo/updatecontactinfo": 10000},
    )
    assert seconds == pytest.approx(9 * 3601.0)  # ten bucketfuls of contacts
    assert why == "10,000 requests, 1,000 per hour (contactinfo/updatecontactinfo)"
    assert seconds_needed(limits, {"all": 10}) == (0.0, "")
    assert TokenBucket(RateLimit("all", 10, 1.0)).seconds_for(25) == pytest.approx(2 * 1.1)


@pytest.mark.parametrize(
    ("limit", "text"),
    [
        (RateLimit("all", 5000, 3600.0), "5,000 per hour (all endpoints)"),
        (RateLimit("POST /users", 60, 60.0), "60 per minute (POST /users)"),
        (RateLimit("all", 3, 90.0), "3 per 90 seconds (all endpoints)"),
    ],
    ids=["hour", "minute", "odd"],
)
def test_limits_are_described_for_humans(limit: RateLimit, text: str) -> None:
    assert describe(limit) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(30, "30 s"), (61, "1 min 01 s"), (120, "2 min"), (3600 * 20 + 65, "20 h 01 min")],
)
def test_durations_are_rounded_up_for_humans(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
