"""What watch events ask of state and of a plan (pure): the trader an event is about, the facts
to remember on its record, the addresses a targeted plan covers, the changes it may apply."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace

from reconciler.plan import Action, Address, DesiredResource, Plan
from reconciler.providers import PreconditionMet
from reconciler.state import ResourceState, StateDocument


class TraderIndex:
    """Finds the trader an event is about, and whether state already knows what it reports,
    without a pass over every record per event or per run (a burst at a large firm).

    Kept by the loop across runs: the declared part (natural keys of the kinds events name,
    each trader's resources) is made on first use, or by `prepare`, once per manifests
    (`with_resources`; the kinds events named before are made again by `prepare`), and
    holds no copy of a resource; `use` points it at the state document a run read. An
    event naming its natural key is answered in one look-up, verified against the trader's
    record; only otherwise are the document's records indexed by platform id, once per
    document (lineage and serial).
    """

    def __init__(
        self,
        resources: Mapping[Address, DesiredResource],
        document: StateDocument | None = None,
    ) -> None:
        self._resources = resources
        self._by_key: dict[str, dict[str, str]] = {}  # per kind events name, made on first use
        self._kinds: set[str] = set()  # kinds events named with earlier manifests
        self._of_trader: dict[str, list[DesiredResource]] | None = None
        self._document = document or StateDocument.new()
        self._by_id: dict[tuple[str, str], str] | None = None
        self.scans = 0
        """How many times records were indexed by platform id (for tests)."""

    def with_resources(self, resources: Mapping[Address, DesiredResource]) -> TraderIndex:
        """An index of other manifests over the same state document."""
        index = TraderIndex(resources, self._document)
        index._by_id = self._by_id
        index._kinds = self._kinds | self._by_key.keys()
        return index

    def use(self, document: StateDocument | None) -> None:
        """Answer from `document` from now on (what was indexed of an earlier document of the
        same lineage and serial is kept); None lets go of the current one (a run does before
        it reads the next, so a large state is not held twice)."""
        previous = self._document
        document = document or StateDocument.new()
        if (previous.lineage, previous.serial) != (document.lineage, document.serial):
            self._by_id = None
        self._document = document

    def trader(self, event: PreconditionMet) -> str | None:
        """By recorded remote id, else by natural key."""
        key = event.natural_key
        if key is not None:
            trader = self._keys(event.kind).get(key)
            record = None if trader is None else self._record(event.kind, trader)
            if record is not None and record.remote_id == event.remote_id:
                return trader  # what the look-up by recorded id finds too
        found = self._ids().get((event.kind, event.remote_id))
        if found is not None:
            return found
        return None if key is None else self._keys(event.kind).get(key)

    def is_known(self, event: PreconditionMet) -> bool:
        """Whether the document holds the object the event names at the trader its natural key
        is declared for (else at the trader found): when not, the document may be older than
        the manifests (a trader renamed or added since it was read)."""
        key = event.natural_key
        declared = None if key is None else self._keys(event.kind).get(key)
        if declared is None:
            return self._named(event) is not None
        record = self._record(event.kind, declared)
        return record is not None and record.remote_id == event.remote_id

    def is_recorded(self, event: PreconditionMet) -> bool:
        """Whether the record the event names already holds every fact it reports."""
        record = self._named(event)
        return record is not None and all(record.facts.get(k) == v for k, v in event.facts.items())

    def _named(self, event: PreconditionMet) -> ResourceState | None:
        trader = self.trader(event)
        record = None if trader is None else self._record(event.kind, trader)
        return record if record is not None and record.remote_id == event.remote_id else None

    def prepare(self) -> None:
        """Make the declared part now (once per manifests): each trader's resources, and the
        natural keys of the kinds events named so far."""
        self._declared()
        for kind in self._kinds:
            self._keys(kind)

    def resources_of(self, trader: str) -> Sequence[DesiredResource]:
        """The trader's declared resources."""
        return self._declared().get(trader, ())

    def _declared(self) -> dict[str, list[DesiredResource]]:
        if self._of_trader is None:
            of_trader: dict[str, list[DesiredResource]] = {}
            for resource in self._resources.values():
                of_trader.setdefault(resource.address.trader, []).append(resource)
            self._of_trader = of_trader
        return self._of_trader

    def _keys(self, kind: str) -> dict[str, str]:
        """Traders by the natural key of their declared object of `kind`."""
        keys = self._by_key.get(kind)
        if keys is None:
            keys = {}
            for resource in self._resources.values():
                if resource.address.kind == kind:
                    keys.setdefault(resource.natural_key, resource.address.trader)
            self._by_key[kind] = keys
        return keys

    def _record(self, kind: str, trader: str) -> ResourceState | None:
        record: ResourceState | None = self._document.resources.get(f"{kind}.{trader}")
        return record  # looked up by the Address text form

    def _ids(self) -> dict[tuple[str, str], str]:
        if self._by_id is None:
            self.scans += 1
            by_id: dict[tuple[str, str], str] = {}
            for text, record in self._document.resources.items():
                kind, _, rest = text.partition(".")  # the `Address` text form, split without
                trader = rest.partition("/")[0]  # validating each of a large firm's records
                by_id.setdefault((kind, record.remote_id), trader)
            self._by_id = by_id
        return self._by_id


def find_trader(
    event: PreconditionMet,
    resources: Mapping[Address, DesiredResource],
    document: StateDocument,
) -> str | None:
    """The trader whose object the event names: by recorded remote id, else by natural key."""
    return TraderIndex(resources, document).trader(event)


def remember(
    document: StateDocument, found: Iterable[tuple[PreconditionMet, str]]
) -> StateDocument | None:
    """The document with each event's facts merged into its trader's record; None when that
    changes nothing (no record yet, or the facts are already known)."""
    editor = document.edit()
    changed = False
    for event, trader in found:
        key = str(Address(event.kind, trader))
        record = editor.get(key)
        if record is None:
            continue
        merged = {**record.facts, **event.facts}
        if merged != record.facts:
            editor.put(key, record.model_copy(update={"facts": merged}))
            changed = True
    return editor.snapshot() if changed else None


def target_addresses(
    found: Iterable[tuple[PreconditionMet, str]],
    resources: Mapping[Address, DesiredResource] | TraderIndex,
) -> frozenset[Address]:
    """What a targeted plan refreshes and plans: each trader's declared resources of the kinds
    its event unblocks, what they depend on, and the object the event names."""
    index = resources if isinstance(resources, TraderIndex) else TraderIndex(resources)
    targets: set[Address] = set()
    for event, trader in found:
        targets.add(Address(event.kind, trader))
        for resource in index.resources_of(trader):
            if resource.address.kind in event.unblocks:
                targets.add(resource.address)
                targets.update(resource.depends_on)
    return frozenset(targets)


def targeted(plan: Plan, targets: Collection[Address]) -> Plan:
    """A targeted plan's changes without cancels: offboarding is left to full plans."""
    changes = tuple(
        c for c in plan.changes if c.address in targets and c.action is not Action.CANCEL
    )
    return replace(plan, changes=changes)


def counts(plan: Plan) -> dict[str, int]:
    """How many changes of each action that calls a platform or waits, by action name."""
    return {
        str(action): n
        for action, n in sorted(plan.counts().items())
        if action is not Action.NOOP and n
    }
