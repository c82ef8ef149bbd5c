"""The `reconciler watch` loop: a full plan and apply at start; then, for each batch of events from
the providers' streams, a targeted one; a full one when the manifests change on disk, on reload
(SIGHUP) or every `interval`. The state lock is taken per run, so others can plan and apply."""

from __future__ import annotations

import logging
import os
import queue
import time
from collections.abc import Callable
from contextlib import ExitStack

from reconciler.errors import CancelLimitExceeded, ManifestErrors, ReconcilerError, StateLocked
from reconciler.manifest import Desired, load_manifests
from reconciler.providers import (
    PreconditionMet,
    StreamStatus,
    schemas,
)
from reconciler.watch.health import Health
from reconciler.watch.intake import report_unapplied, take_in
from reconciler.watch.manifest_files import ManifestFiles
from reconciler.watch.runs import RunOptions, StopAfterBatch, run
from reconciler.watch.schedule import Schedule
from reconciler.watch.settings import WatchSettings
from reconciler.watch.status import Status
from reconciler.watch.streams import Streams
from reconciler.watch.targets import TraderIndex
from reconciler.watch.warmup import prepare_for_signatures
from reconciler.workspace import Declared, Workspace, open_workspace

logger = logging.getLogger(__name__)

_WAKE = object()
_TICK = 0.5


class Watcher:
    """Runs until `stop()`. `stop` and `reload` only set a flag and wake the loop, so a signal
    handler may call them (the inbox is a reentrant SimpleQueue)."""

    def __init__(
        self,
        settings: WatchSettings,
        *,
        status: Status,
        health: Health | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._status = status
        self._health = health or Health(stall_after=300.0, monotonic=monotonic)
        self._clock = clock
        self._monotonic = monotonic
        self._inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._stopping: str | None = None
        self._reload: str | None = None
        self._events: list[PreconditionMet] = []
        self._schedule = Schedule(
            settings.retry, settings.retry_max, settings.interval, monotonic=monotonic
        )
        self._workspace: Workspace | None = None
        self._index: TraderIndex | None = None  # kept across runs and events, see TraderIndex
        self._opened = ExitStack()
        self._streams = Streams(self._inbox.put, settings.stream)
        self._files = ManifestFiles(settings.manifests, poll=settings.poll, monotonic=monotonic)

    def stop(self, reason: str) -> None:
        """Finish the batch in flight, then return from `run` (idempotent)."""
        if self._stopping is None:
            self._stopping = reason
        self._inbox.put(_WAKE)

    def reload(self, trigger: str) -> None:
        """Read the manifests again and run a full plan."""
        self._reload = trigger
        self._inbox.put(_WAKE)

    def run(self) -> None:
        """Watch until stopped; raises ReconcilerError when the workspace cannot be opened."""
        self._open()
        try:
            workspace = self._current()
            self._status(
                "started",
                manifests=str(self._settings.manifests),
                traders=len(workspace.desired.names),
                providers=sorted(workspace.adapters),
                streams=sorted(self._streams.connected),
                interval=self._settings.interval,
                pid=os.getpid(),
            )
            self._await_streams()
            self._schedule.start_interval()
            while self._stopping is None:
                self._health.beat()
                self._receive(0.0 if self._has_work() else _TICK)
                if self._stopping is not None:
                    break
                if self._reload is not None:
                    self._load(self._reload)
                elif self._files.changed():
                    self._load("files")
                self._schedule.check_interval()
                self._work()
        finally:
            report_unapplied(self._events, self._status)
            self._close()
            self._status("stopped", reason=self._stopping or "error")

    # --- events ------------------------------------------------------------------------

    def _receive(self, timeout: float) -> None:
        """Take what the streams reported: wait up to `timeout` for the first item, then drain."""
        fresh: list[PreconditionMet] = []
        try:
            item = self._inbox.get(timeout=timeout) if timeout > 0 else self._inbox.get_nowait()
            while True:
                if isinstance(item, PreconditionMet):
                    fresh.append(item)
                elif isinstance(item, StreamStatus):
                    self._on_stream(item)
                item = self._inbox.get_nowait()
        except queue.Empty:
            pass
        if fresh:
            self._accept(fresh)

    def _on_stream(self, news: StreamStatus) -> None:
        self._streams.note(news)
        self._health.stream(news.provider, connected=news.connected)
        if news.connected:
            self._status("stream_connected", provider=news.provider, detail=news.detail)
        else:
            self._status(
                "stream_disconnected",
                provider=news.provider,
                detail=news.detail,
                retry_in=news.retry_in,
            )

    def _accept(self, events: list[PreconditionMet]) -> None:
        """Report each event once (with the trader it concerns) and queue those we manage;
        a catch-up of what is queued or recorded already is dropped; a stop is honoured
        between events."""
        store, index = self._current().store, self._indexed()
        intake = take_in(
            events,
            index=index,
            queued=self._events,
            status=self._status,
            beat=self._health.beat,
            is_stopping=lambda: self._stopping is not None,
            reread=lambda: index.use(store.read(reuse=True)),
        )
        self._events.extend(intake.queued)
        if intake.duplicates:
            self._status("caught_up_already", events=intake.duplicates)
        if intake.left:
            self._status(
                "not_taken_in",
                events=len(intake.left),
                detail="stopping; the next connection's catch-up reports them again",
            )

    # --- runs ----------------------------------------------------------------------------

    def _has_work(self) -> bool:
        return self._schedule.is_due(has_events=bool(self._events))

    def _work(self) -> None:
        if not self._has_work():
            return
        full, events = self._schedule.full, list(self._events)
        options = RunOptions(full, self._settings.lock_timeout, self._settings.max_cancel)
        try:
            run(
                self._current(),
                events,
                options,
                index=self._indexed(read=False),
                status=self._status,
                beat=self._health.beat,
                is_stopping=lambda: self._stopping is not None,
            )
        except StateLocked as exc:
            self._schedule.locked()
            self._status(
                "state_locked", holder=exc.holder, since=exc.since, retry_in=self._settings.retry
            )
            return
        except StopAfterBatch:
            self._status(
                "interrupted",
                detail="stopped after the batch in flight; the next run applies the rest",
            )
            return
        except CancelLimitExceeded as exc:
            self._status("refused", message=str(exc))  # waits for the next change or interval
        except ReconcilerError as exc:
            delay = self._schedule.failed()
            self._status(
                "error", scope="full" if full else "targeted", message=str(exc), retry_in=delay
            )
            return
        else:
            self._schedule.succeeded()
            if full:
                prepare_for_signatures(self._current(), self._indexed(read=False))
        del self._events[: len(events)]
        self._schedule.done(full)

    # --- manifests and the workspace -------------------------------------------------------

    def _load(self, trigger: str) -> None:
        self._reload = None
        if trigger != "files":
            self._files.mark_loaded()
        try:
            desired = load_manifests(
                self._settings.manifests, schemas=schemas(), environ=self._settings.environ
            )
        except ManifestErrors as exc:
            problems = [error.located() for error in exc.errors]
            self._status("manifests_invalid", trigger=trigger, problems=problems)
            return
        except ReconcilerError as exc:
            self._status("manifests_invalid", trigger=trigger, problems=[str(exc)])
            return
        current = self._current().desired
        if trigger == "files" and desired.digest == current.digest:
            return
        if _connection_settings(desired) != _connection_settings(current):
            self._status("reopening", reason="the firm's provider or state settings changed")
            self._close()
            self._open()
        else:
            self._workspace = self._current().with_desired(desired)
            if self._index is not None:
                self._index = self._index.with_resources(self._workspace.resources)
        self._status("manifests_loaded", trigger=trigger, traders=len(desired.traders))
        self._schedule.request_full(f"manifests reloaded ({trigger})")

    def _indexed(self, *, read: bool = True) -> TraderIndex:
        """The loop's trader index; a new one indexes the stored state if `read` (else the
        run that asks for it does)."""
        if self._index is None:
            workspace = self._current()
            stored = workspace.store.read(reuse=True) if read else None
            self._index = TraderIndex(workspace.resources, stored)
        return self._index

    def _current(self) -> Workspace:
        assert self._workspace is not None, "the workspace is open while the loop runs"
        return self._workspace

    def _open(self) -> None:
        stack = ExitStack()
        self._workspace = stack.enter_context(
            open_workspace(
                self._settings.manifests,
                choice=self._settings.choice,
                environ=self._settings.environ,
                clock=self._clock,
            )
        )
        self._opened = stack
        self._index = None
        self._streams.start(self._workspace.adapters)
        for name in self._streams.connected:
            self._health.stream(name, connected=False)

    def _close(self) -> None:
        self._streams.stop()
        self._health.forget_streams()
        self._opened.close()

    def _await_streams(self) -> None:
        """Let the streams connect (and catch up) before the first full plan, for a while."""
        deadline = self._monotonic() + self._settings.connect_timeout
        while self._stopping is None and not all(self._streams.connected.values()):
            if self._monotonic() >= deadline:
                waiting = sorted(k for k, v in self._streams.connected.items() if not v)
                self._status(
                    "streams_not_connected",
                    providers=waiting,
                    detail="planning without them; they keep retrying",
                )
                return
            self._health.beat()
            self._receive(min(_TICK, max(0.0, deadline - self._monotonic())))


def _connection_settings(desired: Desired | Declared) -> tuple[object, object]:
    """What the open adapters and state store were made from."""
    return desired.firm.settings, desired.firm.providers
