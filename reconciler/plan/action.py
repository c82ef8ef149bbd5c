"""The plan vocabulary: what will happen to one resource address."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import compress
from operator import attrgetter
from typing import Any

from reconciler.frozen import quick_init
from reconciler.plan.address import Address


class Action(StrEnum):
    """What apply does to one address. Symbols and colours belong to render/."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    ENTITLE = "entitle"
    RESET = "reset"
    CANCEL = "cancel"
    WAIT = "wait"
    NOOP = "no-op"

    @property
    def is_change(self) -> bool:
        """True when apply calls a platform for it (wait and no-op do not)."""
        return self in _CHANGES


_CHANGES = frozenset(Action) - {Action.WAIT, Action.NOOP}


SENSITIVE = "(sensitive)"
"""What renderers and serialisers print instead of a secret's value."""


@quick_init
@dataclass(frozen=True, slots=True)
class Change:
    """One planned change to one address.

    | action  | before                  | after                     |
    |---------|-------------------------|---------------------------|
    | create  | None                    | desired attributes        |
    | update  | recorded/remote values  | desired values (changed)  |
    | replace | current attributes      | desired attributes        |
    | entitle | None                    | desired attributes        |
    | reset   | recorded/remote values  | desired values (changed)  |
    | cancel  | current attributes      | None                      |
    | wait    | current or None         | desired attributes        |
    | no-op   | current                 | equal to before           |

    `before`/`after` never hold secrets: a sensitive attribute's value is SENSITIVE.
    `changed` lists the attribute names that differ (update/replace/reset; a reset is an
    update whose changed attributes include one that asks the platform to reset the object,
    such as a new reset token of an evaluation account). `via` names the
    change whose platform call also performs this one (a cancel-everything covers the
    trader's accounts and entitlements), so apply makes no call of its own for it.
    `depends_on` lists addresses whose changes in the same plan must land first.
    `remote_id` is the platform's id of the object the change acts on, when one exists.
    `reason` is for humans only and never steers apply. `probe` marks a wait whose
    precondition apply checks with one platform call (a signature whose signal may have been
    archived): if the platform accepts the call the change lands, otherwise it stays a wait.
    """

    address: Address
    action: Action
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    changed: tuple[str, ...] = ()
    reason: str = ""
    via: Address | None = None
    depends_on: tuple[Address, ...] = field(default=())
    remote_id: str | None = None
    probe: bool = False

    @property
    def calls_platform(self) -> bool:
        """True when apply sends a request for it: every change, and a wait that probes."""
        return self.action in _CHANGES or self.probe


_ACTION = attrgetter("action")
_PROBE = attrgetter("probe")


def any_calls_platform(changes: Sequence[Change]) -> bool:
    """Whether any of `changes` calls a platform (`calls_platform`), read in C: a large
    plan's no-ops are not asked one by one."""
    return not _CHANGES.isdisjoint(map(_ACTION, changes)) or any(map(_PROBE, changes))


def of_actions(changes: Sequence[Change], actions: Set[Action]) -> Iterator[Change]:
    """The changes whose action is one of `actions`, in their order, picked in C: a large
    plan's no-ops are not asked one by one."""
    return compress(changes, map(actions.__contains__, map(_ACTION, changes)))


def action_counts(changes: Sequence[Change]) -> Counter[Action]:
    """How many changes of each action, counted in C."""
    return Counter(map(_ACTION, changes))
