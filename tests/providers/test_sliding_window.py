"""Sliding-window counters: events leave the window as time passes."""

from __future__ import annotations

from reconciler.providers.sliding_window import SlidingWindow


def test_the_window_fills_at_its_limit() -> None:
    window = SlidingWindow(seconds=60, limit=2)
    window.add(0.0)
    assert not window.is_full(0.0)
    window.add(1.0)
    assert window.is_full(1.0)


def test_events_older_than_the_window_no_longer_count() -> None:
    window = SlidingWindow(seconds=60, limit=2)
    window.add(0.0)
    window.add(30.0)
    assert window.count(59.9) == 2
    assert window.count(60.0) == 1
    assert not window.is_full(60.0)
    assert window.count(90.0) == 0
