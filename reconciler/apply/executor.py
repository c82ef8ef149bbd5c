"""Executing a plan: waves in dependency order, provider batches, journaled state writes.

Concurrency: independent platforms run in lanes of their own; within a wave (whose changes
never depend on each other) up to `workers` batches of a platform run at once, each client
pacing its requests under the platform's rate limits. Journaling is by rounds: one state write
records the intent of a round's batches before any of them is sent, one more their outcomes
after; a round holds at least `workers` batches and grows with the state (half the recorded
resources' worth of items), so writing state, which rewrites the whole document, stays linear
in the size of the apply.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from reconciler.apply import schedule
from reconciler.apply.batching import Group, make_batches
from reconciler.apply.events import (
    ApplyFinished,
    BatchFinished,
    BatchStarted,
    EventSink,
    ItemApplied,
)
from reconciler.apply.handout import HandoutRow, PasswordHandout, generate_password
from reconciler.apply.items import ItemBuilder
from reconciler.apply.journal import Journal
from reconciler.apply.schedule import rounds
from reconciler.errors import ProviderError, ProviderRejected, StalePlan
from reconciler.plan import Action, Address, Change, Digest, Plan, recordable, waves
from reconciler.plan.resource import DesiredResource, KindRules
from reconciler.providers.base import Adapter, Batch, BatchItem, Capabilities, ItemResult

DEFAULT_WORKERS = 8
"""Batches of one platform in flight at once, unless told otherwise."""


@dataclass(frozen=True, slots=True)
class ApplyContext:
    """What apply needs besides the plan: adapters, desired resources, and injectables.

    `facts` are observations of the refresh to remember in state (e.g. a signature seen).
    `workers` bounds the batches of one platform in flight at once.
    """

    adapters: Mapping[str, Adapter]
    desired: Mapping[Address, DesiredResource]
    rules: Mapping[str, KindRules]
    digest: Digest
    sink: EventSink
    clock: Callable[[], float]
    facts: Mapping[Address, Mapping[str, Any]] = field(default_factory=dict)
    handout: PasswordHandout | None = None
    make_password: Callable[[int], str] = generate_password
    workers: int = DEFAULT_WORKERS


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What landed: `failed` maps an address to its platform error; `skipped` ones were not
    attempted because something they depend on failed; `waiting` ones were probed and their
    precondition is still unmet (not an error: the plan said they may still wait)."""

    succeeded: tuple[Address, ...]
    failed: Mapping[Address, str]
    skipped: tuple[Address, ...]
    waiting: tuple[Address, ...] = ()

    @property
    def is_complete(self) -> bool:
        return not self.failed and not self.skipped


def apply_plan(plan: Plan, *, journal: Journal, context: ApplyContext) -> ApplyResult:
    """Execute `plan` exactly; refuses a plan made from another state serial or lineage."""
    document = journal.document
    is_fresh = plan.serial == document.serial == 0  # no state yet: lineages are still unborn
    if not is_fresh and (plan.lineage, plan.serial) != (document.lineage, document.serial):
        raise StalePlan(
            f"the plan was made from state serial {plan.serial} but state is now at serial "
            f"{document.serial}; run plan again"
        )
    started = context.clock()
    # A create an interrupted apply left pending stays so until the change that resolves it
    # (an adoption, a new create, an offboarding) lands: if this apply fails first, the next
    # plan must still know to look for what that create made.
    executing = {c.address for c in plan.changes if c.calls_platform}
    # what a create sent with a key since changed made may be offboarded at a stray address:
    # that offboarding is what resolves the create
    strays = {a.stray_of: a for a in executing if a.stray_of is not None}
    unresolved: dict[Address, list[str]] = {}
    for op_id, op in document.pending.items():
        address = Address.parse(op.address)
        desired = context.desired.get(address)
        if desired is not None and op.natural_key != desired.natural_key:
            address = strays.get(address, address)
        if op.action in _CREATING and address in executing:
            unresolved.setdefault(address, []).append(op_id)
    journal.prepare(
        context.facts, moved=plan.moved, keep=[i for ids in unresolved.values() for i in ids]
    )
    run = _Run(journal, context, plan, unresolved=unresolved)
    try:
        run.execute()
    finally:
        total = sum(1 for c in plan.changes if c.calls_platform)
        reached = len(run.succeeded) + len(run.failed) + len(run.skipped) + len(run.waiting)
        context.sink(
            ApplyFinished(
                len(run.succeeded),
                len(run.failed),
                len(run.skipped),
                round(context.clock() - started, 3),
                waiting=len(run.waiting),
                not_attempted=max(total - reached, 0),
                total=total,
            )
        )
    return ApplyResult(
        tuple(run.succeeded), dict(run.failed), tuple(run.skipped), tuple(run.waiting)
    )


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


class _Run:
    """One apply's progress: which addresses landed, failed or were skipped."""

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
        self.succeeded: list[Address] = []
        self.failed: dict[Address, str] = {}
        self.skipped: list[Address] = []
        self.waiting: list[Address] = []
        self.lost: set[Address] = set()  # failed or skipped: what depends on them is skipped
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
        lanes = schedule.lanes(waves(self.plan.changes))
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
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="batch") as pool:
            for wave in lane:
                groups = make_batches(wave, batch_size=self._size)
                for round_ in rounds(groups, workers=workers, recorded=self._recorded):
                    if self.stop.is_set():
                        return
                    self._run_round([(group, next(self.counter)) for group in round_], pool)

    def _run_round(self, round_: list[tuple[Group, int]], pool: ThreadPoolExecutor) -> None:
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
            futures.append((pool.submit(self._run_group, batch), ids))
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
        if any(dep in self.lost for dep in change.depends_on):
            self.skipped.append(change.address)
            self.lost.add(change.address)
            self.context.sink(
                ItemApplied(change.address, change.action, False, "skipped: a dependency failed")
            )
            return True
        return False

    def _prepare(self, group: Group, index: int, rows: list[HandoutRow]) -> _Prepared:
        calls = tuple(c for c in group.changes if not schedule.is_adoption_only(c))
        items = tuple(self.items.item(change, rows) for change in calls)
        return _Prepared(group, index, calls, items)

    def _run_group(self, batch: _Prepared) -> _Outcome:
        if self.stop.is_set():
            return _Outcome()  # stopping: the batches in flight finish, the rest wait
        group = batch.group
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
            if self._land(change, result, applied):
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
                self.failed[change.address] = "outcome unknown; run plan again to resolve it"
            self.journal.audit_unknown([(c.address, str(c.action)) for c in calls], str(exc))
            raise
        if len(results) != len(calls):
            raise ProviderError(
                f"{len(results)} results for {len(calls)} items",
                provider=group.kind.split("_", 1)[0],
                operation=str(group.action),
            )
        return {r.address: r for r in results}

    def _land(self, change: Change, result: ItemResult, applied: list[ItemApplied]) -> bool:
        """Record one item's result in the working state; its event goes to the sink and to
        `applied` (for the audit trail)."""
        events: list[ItemApplied] = []
        if not result.ok:
            self.failed[change.address] = result.error or "failed"
            self.lost.add(change.address)
            events.append(ItemApplied(change.address, change.action, False, result.error))
        elif result.waiting:
            self.waiting.append(change.address)  # nothing changed: nothing to record
            events.append(ItemApplied(change.address, Action.WAIT, True))
        elif change.action is Action.CANCEL:
            for address in [change.address, *self.riders.get(change.address, ())]:
                previous = self.journal.record(address)
                self.journal.remove(address)
                self.succeeded.append(address)
                remote_id = previous.remote_id if previous else None
                events.append(ItemApplied(address, Action.CANCEL, True, remote_id=remote_id))
        else:
            self._record(change, result)
            self.succeeded.append(change.address)
            remote_id = result.remote_id or change.remote_id
            action: Action = change.action
            if action is Action.WAIT:  # a probe the platform accepted: it is entitled now
                action = self.context.desired[change.address].create_action
            events.append(ItemApplied(change.address, action, True, remote_id=remote_id))
        for event in events:
            self.context.sink(event)
        applied.extend(events)
        return result.ok

    def _record(self, change: Change, result: ItemResult) -> None:
        desired = self.context.desired[change.address]
        previous = self.journal.record(change.address)
        facts: dict[str, Any] = {} if previous is None else dict(previous.facts)
        facts.update(self.context.facts.get(change.address, {}))
        facts.update(result.facts)
        attributes = recordable(desired, digest=self.context.digest)
        if previous is not None and change.action in (Action.UPDATE, Action.RESET):
            # an update never sends create-only values, nor any other it does not change (a
            # deferred one): state keeps what the platform has
            kept = desired.create_only
            if change.changed:
                kept = kept | (attributes.keys() - set(change.changed))
            for key in kept & previous.attributes.keys():
                attributes[key] = previous.attributes[key]
        remote_id = result.remote_id or change.remote_id or (previous.remote_id if previous else "")
        self.journal.put(
            change.address,
            remote_id=remote_id,
            natural_key=desired.natural_key,
            attributes=attributes,
            facts=facts,
        )


_CREATING = frozenset({str(Action.CREATE), str(Action.REPLACE), str(Action.ENTITLE)})
"""Actions whose lost outcome the next plan resolves by looking the object up."""


__all__ = ["DEFAULT_WORKERS", "ApplyContext", "ApplyResult", "Capabilities", "apply_plan"]
