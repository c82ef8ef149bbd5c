"""Recording each item's outcome: the apply's progress, the working state written through the
journal, and the events sent to the sink."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.apply.context import ApplyContext
from reconciler.apply.events import ItemApplied
from reconciler.apply.journal import Journal
from reconciler.plan import Action, Address, Change, following_renames, recordable
from reconciler.providers import ItemResult


@dataclass(slots=True)
class Progress:
    """Which addresses landed, failed, were skipped or still wait; `lost` ones (failed or
    skipped) skip what depends on them."""

    succeeded: list[Address] = field(default_factory=list)
    failed: dict[Address, str] = field(default_factory=dict)
    skipped: list[Address] = field(default_factory=list)
    waiting: list[Address] = field(default_factory=list)
    lost: set[Address] = field(default_factory=set)


def land(
    change: Change,
    result: ItemResult,
    *,
    progress: Progress,
    journal: Journal,
    context: ApplyContext,
    riders: Mapping[Address, list[Address]],
    applied: list[ItemApplied],
) -> bool:
    """Record one item's result in the working state; its event goes to the sink and to
    `applied` (for the audit trail). A failed cancel skips the changes it performs."""
    events: list[ItemApplied] = []
    if not result.ok:
        progress.failed[change.address] = result.error or "failed"
        progress.lost.add(change.address)
        events.append(ItemApplied(change.address, change.action, False, result.error))
    elif result.waiting:
        progress.waiting.append(change.address)  # nothing changed: nothing to record
        events.append(ItemApplied(change.address, Action.WAIT, True))
    elif change.action is Action.CANCEL:
        for address in [change.address, *riders.get(change.address, ())]:
            previous = journal.record(address)
            journal.remove(address)
            progress.succeeded.append(address)
            remote_id = previous.remote_id if previous else None
            events.append(ItemApplied(address, Action.CANCEL, True, remote_id=remote_id))
    else:
        record(change, result, journal=journal, context=context)
        if change.action is Action.REPLACE:
            for address in observed_on(change.address, context):
                journal.remove(address)
        progress.succeeded.append(change.address)
        remote_id = result.remote_id or change.remote_id
        action: Action = change.action
        if action is Action.WAIT:  # a probe the platform accepted: it is entitled now
            action = context.desired[change.address].create_action
        events.append(ItemApplied(change.address, action, True, remote_id=remote_id))
    for event in events:
        context.sink(event)
    applied.extend(events)
    if not result.ok:
        skip_riders(change.address, "failed", progress=progress, context=context, riders=riders)
    return result.ok


def observed_on(address: Address, context: ApplyContext) -> list[Address]:
    """The followed addresses observed on the object at `address` (a trader's identity
    verification on their user): a replace makes a new object, on which nothing has been
    observed yet, so their records go with the replace (the plan shows them as waits)."""
    return [
        Address(kind, address.trader)
        for kind, rules in context.rules.items()
        if rules.followed and rules.parent == address.kind
    ]


def skip_riders(
    address: Address,
    what: str,
    *,
    progress: Progress,
    context: ApplyContext,
    riders: Mapping[Address, list[Address]],
) -> None:
    """The changes `address`'s call would have performed are skipped with it (`what`: what
    happened to it), so the apply's counts still add up to its changes."""
    for rider in riders.get(address, ()):
        progress.skipped.append(rider)
        progress.lost.add(rider)
        why = f"skipped: performed by the cancel of {address}, which {what}"
        context.sink(ItemApplied(rider, Action.CANCEL, False, why))


def record(change: Change, result: ItemResult, *, journal: Journal, context: ApplyContext) -> None:
    """Write a landed change's object to the working state (secrets as keyed digests)."""
    desired = context.desired[change.address]
    previous = journal.record(change.address)
    facts: dict[str, Any] = {} if previous is None else dict(previous.facts)
    facts.update(context.facts.get(change.address, {}))
    facts.update(result.facts)
    attributes = recordable(desired, digest=context.digest)
    if previous is not None and change.action in (Action.UPDATE, Action.RESET):
        # an update never sends create-only values, nor any other it does not change (a
        # deferred one): state keeps what the platform has
        kept = desired.create_only
        if change.changed:
            kept = kept | (attributes.keys() - set(change.changed))
        for key in kept & previous.attributes.keys():
            value = previous.attributes[key]
            if not following_renames(desired, key, value, attributes.get(key), context.renamed):
                attributes[key] = value  # kept, unless it only names a renamed trader
    remote_id = result.remote_id or change.remote_id or (previous.remote_id if previous else "")
    journal.put(
        change.address,
        remote_id=remote_id,
        natural_key=desired.natural_key,
        attributes=attributes,
        facts=facts,
    )
