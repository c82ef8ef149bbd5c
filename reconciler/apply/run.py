"""One apply's round runner: each platform's waves in lanes, a round's batches at once between
one journal write of their intents and one of their outcomes."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from reconciler.apply import schedule
from reconciler.apply.batching import Group, make_batches
from reconciler.apply.context import ApplyContext
from reconciler.apply.events import BatchFinished, BatchStarted, ItemApplied
from reconciler.apply.handout import HandoutRow
from reconciler.apply.items import ItemBuilder
from reconciler.apply.journal import Journal
from reconciler.apply.outcomes import Progress, land, skip_riders
from reconciler.apply.schedule import rounds
from reconciler.apply.throttle import Throttle
from reconciler.errors import ProviderError, ProviderRejected
from reconciler.plan import Action, Address, Change, Plan, waves
from reconciler.providers import Batch, BatchItem, ItemResult


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A batch ready to send: its changes, and the items of those that call the platform."""

    group: Group
    index: int
    calls: tuple[Change, ...]
    items: tuple[BatchItem, ...]


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What one batch leaves for its round's journal write: the items applied (for the audit
    trail) and the earlier pending creates its landed changes resolved. A batch not sent
    (the apply was stopping) leaves nothing, and its intents are cleared."""

    applied: tuple[ItemApplied, ...] = ()
    resolved: tuple[str, ...] = ()


class Run:
    """One apply under way: its lanes, rounds and batches; `progress` holds what landed."""

    def __init__(
        self,
        journal: Journal,
        context: ApplyContext,
        plan: Plan,
        *,
        unresolved: dict[Address, list[str]] | None = None,
    ) -> None:
        self.journal = journal
        self.context = context
        self.plan = plan
        self.unresolved = unresolved or {}  # earlier pending creates, until their change lands
        self.progress = Progress()
        self.riders = schedule.riders(plan.changes)
        self.stop = threading.Event()  # set: batches not yet sent are not sent
        self.halted: Exception | None = None  # what the sink raised to stop the apply
        self.counter = itertools.count(1)
        self.total = 0
        self.items = ItemBuilder(
            journal,
            desired=context.desired,
            rules=context.rules,
            facts=context.facts,
            clock=context.clock,
            make_password=context.make_password,
        )

    def execute(self) -> None:
        """Each platform's waves in order; independent platforms at the same time. On Ctrl-C
        the batches in flight finish and are recorded, then the interrupt propagates."""
        lanes = schedule.lanes(
            waves(self.plan.changes, ordered=True, level=self.plan.wave_levels())
        )
        self.total = sum(len(make_batches(w, batch_size=self._size)) for ws in lanes for w in ws)
        if len(lanes) <= 1:
            for lane in lanes:
                self._run_lane(lane)
            return
        with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix="apply") as pool:
            futures = [pool.submit(self._run_lane, lane) for lane in lanes]
            try:
                for future in futures:
                    future.exception()  # wait for every lane before re-raising anything
            except KeyboardInterrupt:
                self.stop.set()
                raise
            for future in futures:
                future.result()

    def _run_lane(self, lane: list[list[Change]]) -> None:
        workers = max(1, self.context.workers)
        throttle = Throttle(workers)  # fewer at once while calls queue: see throttle
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="batch") as pool:
            for wave in lane:
                groups = make_batches(wave, batch_size=self._size)
                for round_ in rounds(groups, workers=workers, recorded=self._recorded):
                    if self.stop.is_set():
                        return
                    batches = [(group, next(self.counter)) for group in round_]
                    self._run_round(batches, pool, throttle)

    def _run_round(
        self, round_: list[tuple[Group, int]], pool: ThreadPoolExecutor, throttle: Throttle
    ) -> None:
        """One journal write of every intent, the batches at once, one write of the outcomes."""
        rows: list[HandoutRow] = []
        prepared = []
        for group, index in round_:
            ready = tuple(c for c in group.changes if not self._blocked(c))
            if ready:
                prepared.append(self._prepare(Group(group.kind, group.action, ready), index, rows))
        if not prepared:
            return
        if rows and self.context.handout is not None:
            self.context.handout.write_rows(rows)  # before any call that sets those passwords
        intents = [
            (
                c.address,
                str(c.action),
                item.desired.natural_key if item.desired else (c.remote_id or ""),
            )
            for p in prepared
            for c, item in zip(p.calls, p.items, strict=True)
        ]
        op_ids = self.journal.begin(intents) if intents else []
        futures: list[tuple[Future[_Outcome], list[str]]] = []
        taken = 0
        for batch in prepared:
            ids = op_ids[taken : taken + len(batch.calls)]
            taken += len(batch.calls)
            futures.append((pool.submit(self._run_group, batch, throttle), ids))
        interrupted = False
        try:
            wait([future for future, _ in futures])
        except KeyboardInterrupt:
            self.stop.set()  # let the batches in flight finish and be recorded
            wait([future for future, _ in futures])
            interrupted = True
        settled: list[str] = []
        applied: list[ItemApplied] = []
        errors: list[BaseException] = []
        for future, ids in futures:
            error = future.exception()
            if error is None:
                outcome = future.result()
                settled += ids
                settled += outcome.resolved
                applied += outcome.applied
            else:
                errors.append(error)  # its intents stay pending: the next plan resolves them
        # the audit trail, then one state write: the outcomes, and the intents cleared
        self.journal.finish(settled, applied=applied)
        if interrupted:
            raise KeyboardInterrupt
        if errors:
            self.stop.set()
            raise errors[0]
        if self.halted is not None:
            raise self.halted  # the sink stopped the apply (watch's shutdown): now recorded

    def _recorded(self) -> int:
        return len(self.journal.document.resources)

    def _size(self, kind: str, action: Action) -> int:
        return self.context.adapters[kind.split("_", 1)[0]].capabilities.batch_size(kind, action)

    def _blocked(self, change: Change) -> bool:
        if any(dep in self.progress.lost for dep in change.depends_on):
            self.progress.skipped.append(change.address)
            self.progress.lost.add(change.address)
            self.context.sink(
                ItemApplied(change.address, change.action, False, "skipped: a dependency failed")
            )
            skip_riders(
                change.address,
                "was skipped",
                progress=self.progress,
                context=self.context,
                riders=self.riders,
            )
            return True
        return False

    def _prepare(self, group: Group, index: int, rows: list[HandoutRow]) -> _Prepared:
        calls = tuple(c for c in group.changes if not schedule.is_adoption_only(c))
        items = tuple(self.items.item(change, rows) for change in calls)
        return _Prepared(group, index, calls, items)

    def _run_group(self, batch: _Prepared, throttle: Throttle) -> _Outcome:
        group = batch.group
        with throttle.slot((group.kind, group.action)):
            if self.stop.is_set():
                return _Outcome()  # stopping: the batches in flight finish, the rest wait
            self.context.sink(
                BatchStarted(group.kind, group.action, len(group.changes), batch.index, self.total)
            )
            results = self._call(group, batch.calls, batch.items) if batch.calls else {}
        ok = failed = 0
        applied: list[ItemApplied] = []
        resolved: list[str] = []
        for change in group.changes:
            result = results.get(change.address) or ItemResult(
                change.address, True, change.remote_id
            )
            landed = land(
                change,
                result,
                progress=self.progress,
                journal=self.journal,
                context=self.context,
                riders=self.riders,
                applied=applied,
            )
            if landed:
                ok += 1
                for address in [change.address, *self.riders.get(change.address, ())]:
                    resolved += self.unresolved.pop(address, [])
            else:
                failed += 1  # an earlier attempt of it may still land: it stays pending
        try:
            self.context.sink(BatchFinished(group.kind, group.action, ok, failed))
        except Exception as exc:  # the sink asks to stop: this batch is recorded first
            self.halted = self.halted or exc
            self.stop.set()
        return _Outcome(tuple(applied), tuple(resolved))

    def _call(
        self, group: Group, calls: Sequence[Change], items: tuple[BatchItem, ...]
    ) -> dict[Address, ItemResult]:
        adapter = self.context.adapters[group.kind.split("_", 1)[0]]
        try:
            results = list(adapter.execute(Batch(group.kind, group.action, items)))
        except ProviderRejected as exc:
            # The platform refused the whole call: nothing happened, so nothing is pending.
            results = [ItemResult(c.address, False, error=str(exc)) for c in calls]
        except ProviderError as exc:
            # Outcome unknown (network, 5xx, rate limit): keep the intent in state so the
            # next plan resolves each item by natural key, and stop here.
            for change in calls:
                self.progress.failed[change.address] = (
                    "outcome unknown; run plan again to resolve it"
                )
            self.journal.audit_unknown([(c.address, str(c.action)) for c in calls], str(exc))
            raise
        if len(results) != len(calls):
            raise ProviderError(
                f"{len(results)} results for {len(calls)} items",
                provider=group.kind.split("_", 1)[0],
                operation=str(group.action),
            )
        return {r.address: r for r in results}
