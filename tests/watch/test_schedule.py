"""The watch loop's run timing on an injected clock: back-off, locks, intervals, full runs."""

from __future__ import annotations

from reconciler.watch.schedule import Schedule
from tests.fakes import FakeClock


def schedule(clock: FakeClock, *, interval: float | None = None) -> Schedule:
    return Schedule(retry=5.0, retry_max=30.0, interval=interval, monotonic=clock)


def test_failed_runs_back_off_doubling_up_to_the_maximum_and_a_success_starts_over() -> None:
    clock = FakeClock(0.0)
    timing = schedule(clock)
    assert [timing.failed() for _ in range(5)] == [5.0, 10.0, 20.0, 30.0, 30.0]
    assert not timing.is_due(has_events=True)
    clock.sleep(29.9)
    assert not timing.is_due(has_events=True)
    clock.sleep(0.1)
    assert timing.is_due(has_events=True)
    timing.succeeded()
    assert timing.failed() == 5.0


def test_a_locked_state_is_tried_again_after_retry_without_counting_a_failure() -> None:
    clock = FakeClock(0.0)
    timing = schedule(clock)
    timing.locked()
    assert not timing.is_due(has_events=False)  # the start's full run waits too
    clock.sleep(5.0)
    assert timing.is_due(has_events=False)
    assert timing.failed() == 5.0


def test_nothing_is_due_once_the_full_run_is_done_and_no_events_wait() -> None:
    timing = schedule(FakeClock(0.0))
    assert timing.full == "start"
    timing.done("start")
    assert not timing.is_due(has_events=False)
    assert timing.is_due(has_events=True)


def test_a_full_run_asked_for_during_a_run_survives_its_end() -> None:
    timing = schedule(FakeClock(0.0))
    timing.request_full("manifests reloaded (files)")
    timing.done("start")
    assert timing.full == "manifests reloaded (files)"


def test_a_reload_drops_the_back_off() -> None:
    timing = schedule(FakeClock(0.0))
    timing.failed()
    timing.request_full("manifests reloaded (SIGHUP)")
    assert timing.is_due(has_events=False)


def test_the_interval_asks_for_a_full_run_each_time_it_passes() -> None:
    clock = FakeClock(0.0)
    timing = schedule(clock, interval=60.0)
    timing.done("start")
    timing.start_interval()
    clock.sleep(59.0)
    timing.check_interval()
    assert timing.full is None
    clock.sleep(1.0)
    timing.check_interval()
    assert timing.full == "interval"
    timing.done("interval")
    clock.sleep(59.0)
    timing.check_interval()
    assert timing.full is None  # counted again from the last time it passed


def test_without_an_interval_no_periodic_run_is_asked_for() -> None:
    clock = FakeClock(0.0)
    timing = schedule(clock)
    timing.done("start")
    timing.start_interval()
    clock.sleep(1e9)
    timing.check_interval()
    assert timing.full is None
