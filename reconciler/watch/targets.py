"""What watch events ask of state and of a plan (pure): the trader an event is about, the facts
to remember on its record, the addresses a targeted plan covers, the changes it may apply."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace

from reconciler.plan import Action, Address, DesiredResource, Plan
from reconciler.providers import PreconditionMet
from reconciler.state import StateDocument


def find_trader(
    event: PreconditionMet,
    resources: Mapping[Address, DesiredResource],
    document: StateDocument,
) -> str | None:
    """The trader whose object the event names: by recorded remote id, else by natural key."""
    for text, record in document.resources.items():
        address = Address.parse(text)
        if address.kind == event.kind and record.remote_id == event.remote_id:
            return address.trader
    if event.natural_key is not None:
        for resource in resources.values():
            address = resource.address
            if address.kind == event.kind and resource.natural_key == event.natural_key:
                return address.trader
    return None


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
    found: Iterable[tuple[PreconditionMet, str]], resources: Mapping[Address, DesiredResource]
) -> frozenset[Address]:
    """What a targeted plan refreshes and plans: each trader's declared resources of the kinds
    its event unblocks, what they depend on, and the object the event names."""
    targets: set[Address] = set()
    for event, trader in found:
        targets.add(Address(event.kind, trader))
        for address, resource in resources.items():
            if address.trader == trader and address.kind in event.unblocks:
                targets.add(address)
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
