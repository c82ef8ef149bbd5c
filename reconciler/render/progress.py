"""Apply progress for humans: a progress bar on a terminal, plain event lines elsewhere."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from reconciler.apply.events import ApplyFinished, BatchStarted, Event, ItemApplied
from reconciler.render.text import render_event


class ProgressSink:
    """An apply event sink. Failures and the final summary are always printed as lines."""

    def __init__(self, console: Console, *, total: int) -> None:
        self._console = console
        self._progress: Progress | None = None
        self._task = None
        if console.is_terminal:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self._task = self._progress.add_task("applying", total=total)

    def __enter__(self) -> ProgressSink:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, event: Event) -> None:
        if self._progress is not None and self._task is not None:
            if isinstance(event, BatchStarted):
                self._progress.update(self._task, description=f"{event.kind} {event.action}")
            if isinstance(event, ItemApplied):
                self._progress.advance(self._task)
            if not (isinstance(event, ItemApplied) and not event.ok) and not isinstance(
                event, ApplyFinished
            ):
                return
        line = render_event(event)
        if line is not None:
            self._console.print(line, markup=False, highlight=False)
