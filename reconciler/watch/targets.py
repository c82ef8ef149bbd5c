"""What watch events ask of state and of a plan (pure): the trader an event is about, the facts
to remember on its record, the addresses a targeted plan covers, the changes it may apply."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace

from reconciler.plan import Action, Address, DesiredResource, Plan
from reconciler.providers import PreconditionMet
from reconciler.state import StateDocument


class TraderIndex:
    """Finds the trader an event is about in one look-up (a burst of events at a large firm
    must not scan every record per event), and whether state already knows what it reports.

    Kept by the loop across runs: the declared part (natural keys, each trader's resources)
    is made once per manifests (`with_resources`), the recorded part (platform ids and facts)
    once per state document (`use` rebuilds it only for another lineage or serial); `note`
    adds facts a run merged into records.
    """

    def __init__(
        self,
        resources: Mapping[Address, DesiredResource],
        document: StateDocument | None = None,
    ) -> None:
        self._by_key: dict[tuple[str, str], str] = {}
        self._of_trader: dict[str, list[DesiredResource]] = {}
        for resource in resources.values():
            address = resource.address
            self._by_key.setdefault((address.kind, resource.natural_key), address.trader)
            self._of_trader.setdefault(address.trader, []).append(resource)
        self._by_id: dict[tuple[str, str], tuple[str, Mapping[str, object]]] = {}
        self._source: tuple[str, int] | None = None
        if document is not None:
            self.use(document)

    def with_resources(self, resources: Mapping[Address, DesiredResource]) -> TraderIndex:
        """An index of other manifests over the same recorded part."""
        index = TraderIndex(resources)
        index._by_id, index._source = self._by_id, self._source
        return index

    def use(self, document: StateDocument) -> None:
        """Index `document`'s records, unless this very document (lineage and serial) is."""
        source = (document.lineage, document.serial)
        if source == self._source:
            return
        by_id: dict[tuple[str, str], tuple[str, Mapping[str, object]]] = {}
        for text, record in document.resources.items():
            kind, _, rest = text.partition(".")  # the `Address` text form, split without
            trader = rest.partition("/")[0]  # validating each of a large firm's records
            by_id.setdefault((kind, record.remote_id), (trader, record.facts))
        self._by_id, self._source = by_id, source

    def note(self, found: Iterable[tuple[PreconditionMet, str]]) -> None:
        """Remember the facts events reported on their recorded objects (a run merged them)."""
        for event, trader in found:
            key = (event.kind, event.remote_id)
            known = self._by_id.get(key)
            if known is not None and known[0] == trader:
                self._by_id[key] = (trader, {**known[1], **event.facts})

    def trader(self, event: PreconditionMet) -> str | None:
        """By recorded remote id, else by natural key."""
        found = self._by_id.get((event.kind, event.remote_id))
        if found is not None:
            return found[0]
        if event.natural_key is not None:
            return self._by_key.get((event.kind, event.natural_key))
        return None

    def is_recorded(self, event: PreconditionMet) -> bool:
        """Whether the record the event names already holds every fact it reports."""
        found = self._by_id.get((event.kind, event.remote_id))
        return found is not None and all(found[1].get(k) == v for k, v in event.facts.items())

    def resources_of(self, trader: str) -> Sequence[DesiredResource]:
        """The trader's declared resources."""
        return self._of_trader.get(trader, ())


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
