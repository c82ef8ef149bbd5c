"""Apply progress events: what the executor reports while it works (render/ shows them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reconciler.plan import Action, Address


@dataclass(frozen=True, slots=True)
class BatchStarted:
    """A batch of `size` items of one kind and action is about to be sent."""

    kind: str
    action: Action
    size: int
    index: int
    total: int


@dataclass(frozen=True, slots=True)
class ItemApplied:
    """One address's change landed (ok) or failed with a platform error."""

    address: Address
    action: Action
    ok: bool
    error: str | None = None
    remote_id: str | None = None


@dataclass(frozen=True, slots=True)
class BatchFinished:
    """A batch completed and its results were written to state."""

    kind: str
    action: Action
    succeeded: int
    failed: int


@dataclass(frozen=True, slots=True)
class ApplyFinished:
    """The whole apply ended. Of the plan's `total` changes that call a platform: `skipped`
    were not sent because something they depend on failed; `waiting` were probing waits whose
    precondition is still unmet; `not_attempted` were never reached because the apply stopped
    early (a call whose outcome is unknown, an interruption). The five add up to `total`.
    `moved` counts the plan's moves, recorded in state without a platform call."""

    succeeded: int
    failed: int
    skipped: int
    seconds: float
    waiting: int = 0
    not_attempted: int = 0
    total: int = 0
    moved: int = 0

    @property
    def is_stopped(self) -> bool:
        """True when the apply stopped before reaching every change."""
        return self.not_attempted > 0


Event = BatchStarted | ItemApplied | BatchFinished | ApplyFinished
EventSink = Callable[[Event], None]
