"""One run of the watch loop: take the state lock, remember what the events reported, plan (full,
or targeted at the traders the events concern), and apply; the lock is released right after."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from reconciler.apply import BatchFinished, BatchStarted, Event, ItemApplied
from reconciler.errors import ReconcilerError
from reconciler.plan import Address, Plan, PlanOptions, Remote
from reconciler.providers import PreconditionMet
from reconciler.state import StateDocument, StateStore
from reconciler.watch.status import Status
from reconciler.watch.targets import (
    TraderIndex,
    counts,
    remember,
    target_addresses,
    targeted,
)
from reconciler.workspace import Workspace

PENDING = "operations of an interrupted apply are pending: a full plan resolves them"


class StopAfterBatch(Exception):
    """Raised from the apply sink once a batch is recorded in state, when shutdown was asked."""


@dataclass(frozen=True, slots=True)
class RunOptions:
    """`full` is the reason of a full plan (None: targeted at the events); `max_cancel` guards
    full plans; `lock_timeout` is how long to wait for another holder of the state lock."""

    full: str | None
    lock_timeout: float
    max_cancel: int | None = None


def run(
    workspace: Workspace,
    events: Sequence[PreconditionMet],
    options: RunOptions,
    *,
    index: TraderIndex,
    status: Status,
    beat: Callable[[], None],
    is_stopping: Callable[[], bool],
) -> None:
    """Remember, plan and apply under the state lock. Raises StateLocked, StopAfterBatch,
    CancelLimitExceeded or another ReconcilerError; item failures are reported, not raised.

    State is read once, and not at all when the stored serial and lineage are still those of
    the document the store last read or wrote (the previous run's last write, usually); a full
    run with nothing of its own to write reads it again once planned, having let the records
    go while it refreshed. The facts the events report are written with the run's first write
    (the apply's, or one of their own when nothing is applied). `index` is brought up to date
    with the document. What the run did (`applied`, `recorded`, `resolved_pending`,
    `not_applied`) is reported once the lock is let go: whoever acts on those lines finds
    state free."""
    store = workspace.store
    with _locked(store, options.lock_timeout, status) as done:
        beat()
        index.use(None)  # should state be read again, a large one is not held twice
        document = store.read(reuse=True)
        index.use(document)
        found = [(e, t) for e in events if (t := index.trader(e))]
        updated = remember(document, found)
        noted: list[str] = []
        if updated is not None:  # not written yet: the run's first write carries it
            document = updated
            index.use(document)
            noted = sorted({str(Address(e.kind, t)) for e, t in found})

        def write_noted() -> None:
            if noted:
                store.write(document)
                done("recorded", addresses=noted)

        reason, only = options.full, None
        if reason is None and document.pending:
            reason = PENDING
        elif reason is None:
            only = target_addresses(found, index)
            if not only:
                write_noted()
                return
        guards = PlanOptions(max_cancel=options.max_cancel)
        # a full run with nothing of its own to write lets the records' texts go while it
        # refreshes (a large firm's peak), and reads state again once planned (the lock is
        # held: nobody else wrote meanwhile)
        release = only is None and updated is None and not document.pending
        try:
            plan, remote = workspace.plan(
                document, options=guards, only=only, few=True, release=release
            )
        except ReconcilerError:
            write_noted()  # a signature stays known whatever became of the plan
            if release:
                index.use(None)  # the emptied document answers nothing
            raise
        if release and plan.has_changes:  # the apply needs what the plan let go: read again
            document = store.read(reuse=True)  # (the lock held: it is what was read)
            index.use(document)
        if only is not None:
            plan = targeted(plan, only)
        scope = "full" if only is None else "targeted"
        details = {"traders": sorted({t for _, t in found})} if only is not None else {}
        status(
            "planned",
            scope=scope,
            reason=reason or "precondition met",
            changes=counts(plan),
            **details,
        )
        if not plan.has_changes:
            if only is None and document.pending:  # resolved by this plan: nothing to redo
                editor = document.edit()
                editor.clear_pending(list(document.pending))
                store.write(editor.snapshot())
                done("resolved_pending", operations=len(document.pending))
                if noted:
                    done("recorded", addresses=noted)
            else:
                write_noted()
            if release:  # the plan goes first, then state is read again for the next event
                del plan, remote
                index.use(store.read(reuse=True))
            return
        if is_stopping():
            write_noted()
            done("not_applied", scope=scope, reason="shutting down")
            return
        applied = _apply(
            workspace,
            plan,
            remote,
            document,
            only=only,
            scope=scope,
            status=status,
            beat=beat,
            is_stopping=is_stopping,
        )
        done("applied", **applied)
        if noted:
            done("recorded", addresses=noted)


@contextmanager
def _locked(store: StateStore, timeout: float, status: Status) -> Iterator[Status]:
    """The state lock, held for a run; what the run did, reported (through the status it is
    given) once the lock is let go."""
    finished: list[tuple[str, dict[str, Any]]] = []
    try:
        with store.lock(command="watch", timeout=timeout):
            yield lambda name, **details: finished.append((name, details))
    finally:
        for name, details in finished:
            status(name, **details)


def _apply(
    workspace: Workspace,
    plan: Plan,
    remote: Mapping[Address, Remote],
    document: StateDocument,
    *,
    only: frozenset[Address] | None,
    scope: str,
    status: Status,
    beat: Callable[[], None],
    is_stopping: Callable[[], bool],
) -> dict[str, Any]:
    """Apply `plan`, its progress reported to `status`; what was applied, to report."""

    def sink(event: Event) -> None:
        beat()
        if isinstance(event, BatchStarted):
            status("batch", kind=event.kind, action=str(event.action), size=event.size)
        elif isinstance(event, ItemApplied):
            outcome = {"error": event.error} if event.error else {}
            status(
                "change",
                address=str(event.address),
                action=str(event.action),
                ok=event.ok,
                **outcome,
            )
        elif isinstance(event, BatchFinished) and is_stopping():
            raise StopAfterBatch

    started = time.monotonic()
    result = workspace.apply(plan, remote, document, sink=sink, command="watch", only=only)
    return {
        "scope": scope,
        "seconds": round(time.monotonic() - started, 3),
        "succeeded": len(result.succeeded),
        "failed": {str(a): error for a, error in sorted(result.failed.items())},
        "skipped": sorted(str(a) for a in result.skipped),
    }
