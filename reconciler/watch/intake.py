"""Taking in a burst of stream events: each reported once with its trader, a catch-up of what is
already queued or recorded dropped, progress marked per event, and a stop honoured between
events (what was not taken in is reported: the next connection's catch-up reports it again)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from reconciler.plan import Address, DesiredResource
from reconciler.providers import PreconditionMet
from reconciler.state import StateDocument
from reconciler.watch.status import Status
from reconciler.watch.targets import TraderIndex


@dataclass(frozen=True, slots=True)
class Intake:
    """What a burst left: events to queue, and those not looked at because of a stop."""

    queued: tuple[PreconditionMet, ...]
    left: tuple[PreconditionMet, ...]
    duplicates: int


def take_in(
    events: Sequence[PreconditionMet],
    *,
    resources: Mapping[Address, DesiredResource],
    document: StateDocument,
    queued: Iterable[PreconditionMet],
    status: Status,
    beat: Callable[[], None],
    is_stopping: Callable[[], bool],
) -> Intake:
    """Report and queue `events` in order; `queued` are those waiting for a run already."""
    index = TraderIndex(resources, document)
    known = {(e.kind, e.remote_id) for e in queued}
    taken: list[PreconditionMet] = []
    duplicates = 0
    for number, event in enumerate(events):
        if is_stopping():
            return Intake(tuple(taken), tuple(events[number:]), duplicates)
        beat()
        key = (event.kind, event.remote_id)
        if event.caught_up and (key in known or index.is_recorded(event)):
            duplicates += 1  # queued or recorded already: a reconnect's catch-up repeats it
            continue
        trader = index.trader(event)
        source = "catch-up" if event.caught_up else "live"
        if trader is None:
            status(
                "precondition_ignored",
                kind=event.kind,
                remote_id=event.remote_id,
                natural_key=event.natural_key,
                detail=event.detail,
                source=source,
                reason="no declared or recorded trader matches",
            )
            continue
        status(
            "precondition_met",
            address=str(Address(event.kind, trader)),
            detail=event.detail,
            source=source,
        )
        known.add(key)
        taken.append(event)
    return Intake(tuple(taken), (), duplicates)


__all__ = ["Intake", "take_in"]
