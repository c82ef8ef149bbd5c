"""Apply progress: batch lines in order although platforms start theirs concurrently, the
elapsed time the user waited, and on a terminal a live bar with rate and time left."""

from __future__ import annotations

import io

from rich.console import Console

from reconciler.apply.events import ApplyFinished, BatchFinished, BatchStarted, ItemApplied
from reconciler.plan import Action, Address
from reconciler.render import ProgressSink


class Clock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def started(index: int, kind: str = "tradovate_user") -> BatchStarted:
    return BatchStarted(kind, Action.CREATE, 2, index, 3)


def applied(trader: str) -> ItemApplied:
    return ItemApplied(Address("tradovate_user", trader), Action.CREATE, True)


def test_batch_lines_are_numbered_in_the_order_they_start_and_time_is_the_commands() -> None:
    out = io.StringIO()
    clock = Clock()
    console = Console(file=out, force_terminal=False, width=100)
    with ProgressSink(console, total=6, clock=clock, started=clock.now - 1.5) as sink:
        for event in (started(2, "tradervue_user"), started(1), started(3, "traderpal_user")):
            sink(event)
        clock.now += 0.3
        sink(BatchFinished("tradovate_user", Action.CREATE, 2, 0))
        sink(ApplyFinished(6, 0, 0, seconds=0.0))  # the executor's own, shorter, measure

    assert out.getvalue().splitlines() == [
        "[1/3] tradervue_user create: 2 items",
        "[2/3] tradovate_user create: 2 items",
        "[3/3] traderpal_user create: 2 items",
        "tradovate_user create: 2 succeeded, 0 failed",
        "Apply complete: 6 succeeded, 0 failed, 0 skipped in 1.8s.",
    ]


def test_a_terminal_shows_a_bar_with_rate_and_time_left_once_an_apply_takes_a_while() -> None:
    out = io.StringIO()
    clock = Clock()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    with ProgressSink(console, total=4, clock=clock) as sink:
        sink(started(1))
        sink(applied("alice"))
        quick = out.getvalue()
        clock.now += 3.0
        sink(applied("bob"))
        console.file.flush()
        sink._progress.refresh()  # type: ignore[union-attr]  # what the refresh thread does
        live = out.getvalue()
        sink(ApplyFinished(4, 0, 0, seconds=0.0))

    assert quick == ""  # a short apply: no bar, no lines on a terminal
    assert "2/4" in live
    assert "items/s" in live
    assert "left" in live
    assert "Apply complete: 4 succeeded, 0 failed, 0 skipped in 3.0s." in out.getvalue()


def test_a_bar_on_another_terminal_leaves_every_line_on_the_log() -> None:
    """stdout piped to a log, stderr a terminal: the log gets every line, the terminal the
    bar (apply's output when run as `reconciler apply | tee apply.log`)."""
    log, screen = io.StringIO(), io.StringIO()
    clock = Clock()
    console = Console(file=log, force_terminal=False, width=100)
    terminal = Console(file=screen, force_terminal=True, width=120, color_system=None)
    with ProgressSink(console, bar=terminal, total=3, clock=clock, started=clock.now) as sink:
        sink(started(1))
        sink(applied("alice"))
        clock.now += 3.0
        sink(applied("bob"))
        sink._progress.refresh()  # type: ignore[union-attr]  # what the refresh thread does
        live = screen.getvalue()
        sink(applied("carol"))
        sink(BatchFinished("tradovate_user", Action.CREATE, 3, 0))
        sink(ApplyFinished(3, 0, 0, seconds=0.0, total=3))

    assert "2/3" in live
    assert "items/s" in live
    assert "left" in live
    assert log.getvalue().splitlines() == [
        "[1/3] tradovate_user create: 2 items",
        "tradovate_user create: 3 succeeded, 0 failed",
        "Apply complete: 3 succeeded, 0 failed, 0 skipped in 3.0s.",
    ]
