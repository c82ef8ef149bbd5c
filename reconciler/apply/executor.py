"""Executing a plan: waves in dependency order, provider batches, journaled state writes."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from reconciler.apply.batching import Group, make_batches
from reconciler.apply.events import (
    ApplyFinished,
    BatchFinished,
    BatchStarted,
    EventSink,
    ItemApplied,
)
from reconciler.apply.handout import PasswordHandout, generate_password
from reconciler.apply.journal import Journal, utc_now
from reconciler.errors import ProviderError, ProviderRejected, StalePlan
from reconciler.plan import Action, Address, Change, Plan, recordable, waves
from reconciler.plan.diff import Digest
from reconciler.plan.resource import DesiredResource, GeneratedSecret, KindRules, Recorded
from reconciler.providers.base import Adapter, Batch, BatchItem, Capabilities, ItemResult


@dataclass(frozen=True, slots=True)
class ApplyContext:
    """What apply needs besides the plan: adapters, desired resources, and injectables.

    `facts` are observations of the refresh to remember in state (e.g. a signature seen).
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


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What landed: `failed` maps an address to its platform error; `skipped` ones were not
    attempted because something they depend on failed."""

    succeeded: tuple[Address, ...]
    failed: Mapping[Address, str]
    skipped: tuple[Address, ...]

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
    executing = {c.address for c in plan.changes if c.action.is_change}
    unresolved: dict[Address, list[str]] = {}
    for op_id, op in document.pending.items():
        address = Address.parse(op.address)
        if op.action in _CREATING and address in executing:
            unresolved.setdefault(address, []).append(op_id)
    journal.prepare(
        context.facts, moved=plan.moved, keep=[i for ids in unresolved.values() for i in ids]
    )
    run = _Run(journal, context, plan, unresolved=unresolved)
    try:
        run.execute()
    finally:
        context.sink(
            ApplyFinished(
                len(run.succeeded),
                len(run.failed),
                len(run.skipped),
                round(context.clock() - started, 3),
            )
        )
    return ApplyResult(tuple(run.succeeded), dict(run.failed), tuple(run.skipped))


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
        self.lost: set[Address] = set()  # failed or skipped: what depends on them is skipped
        self.riders = _riders(plan.changes)
        self.stop = threading.Event()
        self.counter = itertools.count(1)
        self.total = 0

    def execute(self) -> None:
        """Each platform's waves in order; independent platforms at the same time. On Ctrl-C
        the batches in flight finish and are recorded, then the interrupt propagates."""
        lanes = _lanes(waves(self.plan.changes))
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
        for wave in lane:
            for group in make_batches(wave, batch_size=self._size):
                if self.stop.is_set():
                    return
                index = next(self.counter)
                ready = [c for c in group.changes if not self._blocked(c)]
                if ready:
                    self._run_group(
                        Group(group.kind, group.action, tuple(ready)), index, self.total
                    )

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

    def _run_group(self, group: Group, index: int, total: int) -> None:
        self.context.sink(BatchStarted(group.kind, group.action, len(group.changes), index, total))
        calls = [c for c in group.changes if not _is_adoption_only(c)]
        op_ids, results = self._call(group, calls) if calls else ({}, {})
        ok = failed = 0
        applied: list[ItemApplied] = []
        settled = list(op_ids.values())
        for change in group.changes:
            result = results.get(change.address) or ItemResult(
                change.address, True, change.remote_id
            )
            if self._land(change, result, applied):
                ok += 1
                for address in [change.address, *self.riders.get(change.address, ())]:
                    settled += self.unresolved.pop(address, [])
            else:
                failed += 1  # an earlier attempt of it may still land: it stays pending
        # the audit trail, then one state write: the outcomes, and the intent cleared
        self.journal.finish(settled, applied=applied)
        self.context.sink(BatchFinished(group.kind, group.action, ok, failed))

    def _call(
        self, group: Group, calls: list[Change]
    ) -> tuple[dict[Address, str], dict[Address, ItemResult]]:
        adapter = self.context.adapters[group.kind.split("_", 1)[0]]
        items = tuple(self._item(change) for change in calls)
        op_ids = self.journal.begin(
            (
                c.address,
                str(c.action),
                item.desired.natural_key if item.desired else (c.remote_id or ""),
            )
            for c, item in zip(calls, items, strict=True)
        )
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
        by_address = {c.address: op_id for c, op_id in zip(calls, op_ids, strict=True)}
        return by_address, {r.address: r for r in results}

    def _item(self, change: Change) -> BatchItem:
        desired = self.context.desired.get(change.address)
        record = self.journal.record(change.address)
        recorded = (
            None
            if record is None
            else Recorded(
                change.address,
                record.remote_id,
                record.attributes,
                record.facts,
                record.natural_key,
            )
        )
        if recorded is None and change.action is Action.CANCEL and change.remote_id:
            # an object an interrupted apply made for what is no longer declared: what the
            # refresh saw of it stands in for a record
            facts = self.context.facts.get(change.address, {})
            recorded = Recorded(change.address, change.remote_id, change.before or {}, facts)
        return BatchItem(
            change, desired, recorded, self._secrets(change, desired), self._ids(change, desired)
        )

    def _ids(self, change: Change, desired: DesiredResource | None) -> dict[Address, str]:
        related = list(desired.depends_on) if desired else []
        parent = self.context.rules[change.address.kind].parent
        if parent is not None:
            related.append(Address(parent, change.address.trader))
        ids = {}
        for address in related:
            record = self.journal.record(address)
            if record is not None:
                ids[address] = record.remote_id
        return ids

    def _secrets(self, change: Change, desired: DesiredResource | None) -> dict[str, str]:
        if desired is None or change.action in (Action.CANCEL, Action.NOOP, Action.WAIT):
            return {}
        secrets: dict[str, str] = {}
        for key in desired.sensitive:
            value = desired.attributes.get(key)
            if isinstance(value, SecretStr):
                secrets[key] = value.get_secret_value()
            elif isinstance(value, GeneratedSecret) and change.action is Action.CREATE:
                secrets[key] = self._generate(change.address, desired, value)
        return secrets

    def _generate(self, address: Address, desired: DesiredResource, secret: GeneratedSecret) -> str:
        password = self.context.make_password(secret.length)
        if self.context.handout is not None:
            attributes = desired.attributes
            self.context.handout.write(
                (
                    address.trader,
                    address.provider,
                    str(attributes.get("username", "")),
                    str(attributes.get("email", "")),
                    password,
                    utc_now(self.context.clock),
                )
            )
        return password

    def _land(self, change: Change, result: ItemResult, applied: list[ItemApplied]) -> bool:
        """Record one item's result in the working state; its event goes to the sink and to
        `applied` (for the audit trail)."""
        events: list[ItemApplied] = []
        if not result.ok:
            self.failed[change.address] = result.error or "failed"
            self.lost.add(change.address)
            events.append(ItemApplied(change.address, change.action, False, result.error))
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
            events.append(ItemApplied(change.address, change.action, True, remote_id=remote_id))
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
        if previous is not None and change.action is Action.UPDATE:
            # an update never sends create-only values: state keeps what the platform has
            for key in desired.create_only & previous.attributes.keys():
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


def _lanes(planned: list[list[Change]]) -> list[list[list[Change]]]:
    """Split waves by platform when no change depends on another platform's change (then
    platforms are independent); otherwise one lane keeps the global order."""
    providers = {c.address.provider for wave in planned for c in wave}
    crossing = any(
        dep.provider != c.address.provider for wave in planned for c in wave for dep in c.depends_on
    )
    if len(providers) <= 1 or crossing:
        return [planned] if planned else []
    return [
        [w for w in ([c for c in wave if c.address.provider == p] for wave in planned) if w]
        for p in sorted(providers)
    ]


def _is_adoption_only(change: Change) -> bool:
    """An adopted object whose attributes already match needs no platform call."""
    return change.action is Action.UPDATE and not change.changed and change.remote_id is not None


def _riders(changes: tuple[Change, ...]) -> dict[Address, list[Address]]:
    riders: dict[Address, list[Address]] = {}
    for change in changes:
        if change.via is not None:
            riders.setdefault(change.via, []).append(change.address)
    return riders


__all__ = ["ApplyContext", "ApplyResult", "Capabilities", "apply_plan"]
