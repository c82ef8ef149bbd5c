"""Apply progress for humans: a live progress bar (rate, elapsed time and time left) on a
terminal once an apply has run a few seconds, plain event lines elsewhere; batches are numbered
in the order they start (platforms run theirs concurrently) and the elapsed time counts from
the command's start.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from reconciler.apply import ApplyFinished, BatchStarted, Event, ItemApplied
from reconciler.render.text import render_event

BAR_AFTER_SECONDS = 2.0
"""An apply shorter than this shows no bar (it would only flicker); assumed, not measured."""


class RateColumn(ProgressColumn):
    """Items per second, once there is a rate to show."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:.1f} items/s")


class ProgressSink:
    """An apply event sink printing lines on `console`; failures and the final summary always.

    The bar is drawn on `bar` (default: `console`) when that is a terminal; on `console` it
    replaces the other lines, elsewhere (stdout piped to a log, stderr a terminal) every line
    is still printed. `started` is when the command began (by `clock`), so the summary's time
    is the one the user waited; `clock` is injectable (tests never sleep).
    """

    def __init__(
        self,
        console: Console,
        *,
        total: int,
        bar: Console | None = None,
        clock: Callable[[], float] = time.monotonic,
        started: float | None = None,
    ) -> None:
        self._console = console
        self._clock = clock
        self._opened = clock()
        self._started = self._opened if started is None else started
        self._lock = threading.Lock()  # platforms report from their own threads
        self._batches = 0
        self._progress: Progress | None = None
        self._task = None
        self._is_live = False
        shown_on = console if bar is None else bar
        self._has_lines = shown_on is not console or not shown_on.is_terminal
        if shown_on.is_terminal:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                RateColumn(),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=shown_on,
                transient=True,
                get_time=clock,
            )
            self._task = self._progress.add_task("applying", total=total)

    def __enter__(self) -> ProgressSink:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._progress is not None and self._is_live:
            self._progress.stop()

    def __call__(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, BatchStarted):
                self._batches += 1
                event = replace(event, index=self._batches)
            elif isinstance(event, ApplyFinished):
                event = replace(event, seconds=round(self._clock() - self._started, 3))
            if self._progress is not None and self._task is not None:
                self._show_bar(event)
                if not self._has_lines and not _is_always_printed(event):
                    return
            line = render_event(event)
            if line is not None:
                self._console.print(line, markup=False, highlight=False)

    def _show_bar(self, event: Event) -> None:
        assert self._progress is not None
        assert self._task is not None
        if isinstance(event, BatchStarted):
            self._progress.update(self._task, description=f"{event.kind} {event.action}")
        if isinstance(event, ItemApplied):
            self._progress.advance(self._task)
        if isinstance(event, ApplyFinished):
            if self._is_live:
                self._progress.stop()
                self._is_live = False
        elif not self._is_live and self._clock() - self._opened >= BAR_AFTER_SECONDS:
            self._progress.start()
            self._is_live = True


def _is_always_printed(event: Event) -> bool:
    """A failure and the final summary are printed even under a bar."""
    return isinstance(event, ApplyFinished) or (isinstance(event, ItemApplied) and not event.ok)
