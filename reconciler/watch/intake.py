"""Taking in a burst of stream events: each reported once with its trader, a catch-up of what is
already queued or recorded dropped, progress marked per event, and a stop honoured between
events (what was not taken in is reported: the next connection's catch-up reports it again)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from reconciler.plan import Address
from reconciler.providers import PreconditionMet
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
    index: TraderIndex,
    queued: Iterable[PreconditionMet],
    status: Status,
    beat: Callable[[], None],
    is_stopping: Callable[[], bool],
    reread: Callable[[], None] = lambda: None,
) -> Intake:
    """Report and queue `events` in order; `queued` are those waiting for a run already.
    `index` is the loop's (no state is read per event); `reread` brings it up to date with
    the stored state, once, when an event names an object its document does not hold (a
    trader recorded or renamed since)."""
    is_current = False
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
        if not is_current and (trader is None or not index.is_known(event)):
            reread()  # recorded (or moved) since the index's document was read
            is_current = True
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


def report_unapplied(queued: Sequence[PreconditionMet], status: Status) -> None:
    """One line for the events still queued when the loop stops (none when there are none)."""
    if queued:
        traders = sorted({e.natural_key or e.remote_id for e in queued})
        status(
            "not_applied",
            events=len(queued),
            signers=traders[:20],
            detail="queued when stopping; their signals stay open on the platform, so "
            "the next start's catch-up reports them again",
        )


__all__ = ["Intake", "report_unapplied", "take_in"]
