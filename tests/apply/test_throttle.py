"""The per-lane limit on calls in flight: down while calls take much longer than their recent
shortest (queueing, not the platform), back up while they take about that, within 1..most."""

from __future__ import annotations

import threading
import time

from reconciler.apply import throttle
from reconciler.apply.throttle import Gauge, Throttle, next_limit
from reconciler.providers import Pacer, RateLimit


def test_the_limit_goes_down_when_calls_stretch_and_up_when_they_do_not() -> None:
    assert next_limit(8, 8, throttle.SLOWER) == 7
    assert next_limit(8, 8, 1.0) == 8  # never above the most
    assert next_limit(1, 8, 10.0) == 1  # never below one
    assert next_limit(3, 8, 1.0) == 4
    assert next_limit(3, 8, (throttle.SLOWER + throttle.FASTER) / 2) == 3


def _window(gauge: Gauge, now: float, kind: str, durations: list[float]) -> int:
    for seconds in durations:
        gauge.record(kind, seconds)
    return gauge.decide(now)


def test_calls_queueing_behind_each_other_bring_the_limit_down_to_one() -> None:
    gauge = Gauge(8, now=0.0)
    now = 0.0
    limits = []
    for _ in range(10):  # each call waits for the others: eight times the shortest one
        now += throttle.WINDOW
        limits.append(_window(gauge, now, "create", [0.001, *[0.008] * 20]))
    assert limits[:3] == [7, 6, 5]
    assert limits[-1] == 1


def test_a_slow_platform_alone_keeps_every_call_in_flight() -> None:
    gauge = Gauge(8, now=0.0)
    now = 0.0
    for _ in range(10):  # 20 ms round trips, a little spread: the platform's time, not ours
        now += throttle.WINDOW
        assert _window(gauge, now, "create", [0.020, 0.021, 0.023, 0.022]) == 8


def test_kinds_of_call_are_compared_with_their_own_shortest() -> None:
    """A batch of a hundred users takes longer than one contact update; mixed, neither is
    taken for queueing."""
    gauge = Gauge(8, now=0.0)
    gauge.record("users", 0.5)
    gauge.record("contact", 0.002)
    assert gauge.decide(throttle.WINDOW) == 8
    for kind, seconds in (("users", 0.52), ("contact", 0.0021), ("contact", 0.0022)):
        gauge.record(kind, seconds)
    assert gauge.decide(2 * throttle.WINDOW) == 8


def test_a_platform_slower_for_good_is_not_taken_for_queueing_for_long() -> None:
    gauge = Gauge(8, now=0.0)
    now = throttle.WINDOW
    _window(gauge, now, "create", [0.001] * 5)
    limits = []
    for _ in range(throttle.REMEMBERED + 10):  # every call now takes 10 ms, none shorter
        now += throttle.WINDOW
        limits.append(_window(gauge, now, "create", [0.010] * 5))
    assert min(limits) < 8  # while the fast window is remembered: looks like queueing
    assert limits[-1] == 8  # once forgotten, the new round trip is the platform's own


def test_no_decision_before_a_window_has_passed_or_without_calls() -> None:
    gauge = Gauge(4, now=0.0)
    gauge.record("create", 0.001)
    gauge.record("create", 1.0)
    assert gauge.decide(throttle.WINDOW / 2) == 4
    gauge = Gauge(4, now=0.0)
    assert gauge.decide(10 * throttle.WINDOW) == 4


def _most_at_once(lane: Throttle, calls: int) -> int:
    in_flight = most = 0
    lock = threading.Lock()

    def call() -> None:
        nonlocal in_flight, most
        with lane.slot("create"):
            with lock:
                in_flight += 1
                most = max(most, in_flight)
            time.sleep(0.02)
            with lock:
                in_flight -= 1

    threads = [threading.Thread(target=call) for _ in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return most


def test_no_more_calls_are_in_flight_than_the_limit() -> None:
    assert _most_at_once(Throttle(1), 8) == 1
    assert 1 < _most_at_once(Throttle(4), 16) <= 4


class _CountedCondition(threading.Condition):
    """A condition that counts the waits that ended (the threads it woke)."""

    woken = 0

    def wait(self, timeout: float | None = None) -> bool:
        ended = super().wait(timeout)
        self.woken += 1
        return ended


def test_a_call_ending_wakes_only_as_many_waiting_calls_as_may_go() -> None:
    """Every thread woken takes the interpreter lock: waking all of them when one slot frees
    costs CPU for nothing (each goes back to wait)."""
    lane = Throttle(1)
    lane._changed = counted = _CountedCondition()
    calls = 8
    assert _most_at_once(lane, calls) == 1
    # one wake-up a call, not one a waiter (28 for 8 calls); a thread that starts late may
    # take a freed slot first, and the one woken for it then waits again: room for that
    assert 0 < counted.woken <= 2 * calls


def test_a_wait_for_a_rate_limit_token_does_not_bring_the_limit_down() -> None:
    """Calls that sleep in the platform's pacer are not queueing behind each other: the rate
    limit sets their pace, and fewer at once would slow the platform's other calls."""
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = Pacer(
        [RateLimit("all", limit=1, per_seconds=1.0)], clock=lambda: now[0], sleep=sleep, slack=0
    )
    lane = Throttle(8, clock=lambda: now[0])
    limits = set()
    for _ in range(10):  # each call waits a second for its token, then takes 10 ms
        with lane.slot("create"):
            pacer.acquire("user/create")
            now[0] += 0.010
        limits.add(lane.limit)
    assert pacer.waited > 8
    assert limits == {8}
