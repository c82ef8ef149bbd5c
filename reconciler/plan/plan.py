"""The `Plan` value: the ordered changes that make the platforms match the manifests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.plan.action import Action, Change, action_counts, any_calls_platform, of_actions
from reconciler.plan.address import Address
from reconciler.plan.diff import diff
from reconciler.plan.inputs import DiffInput, Digest
from reconciler.plan.moves import Move
from reconciler.plan.order import levels, order_with_levels
from reconciler.plan.resource import Recorded

_WAIT = frozenset({Action.WAIT})

DEFAULT_MAX_CANCEL = 5
"""How many traders one plan may offboard unless `--max-cancel` says otherwise."""


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How a plan was asked for; a saved plan keeps them so apply re-plans the same way.

    `targets` are addresses or trader names (see `select_targets`); `max_cancel` is the most
    traders the plan may offboard (None: no limit).
    """

    adopt: bool = False
    targets: tuple[str, ...] = ()
    max_cancel: int | None = DEFAULT_MAX_CANCEL


@dataclass(frozen=True, slots=True)
class Plan:
    """Changes in execution order, plus what they were computed from.

    Apply follows `changes` alone and refuses a plan whose `serial`/`lineage` (state) or
    `manifest_digest` no longer match. `notes` are human-facing warnings (e.g. pending
    operations of an interrupted apply being resolved).
    """

    changes: tuple[Change, ...]
    lineage: str
    serial: int
    manifest_digest: str
    created_at: str
    notes: tuple[str, ...] = ()
    moved: tuple[Move, ...] = ()
    """Recorded addresses re-addressed before the changes (state only, no platform call)."""
    ordering: tuple[tuple[Change, ...], Mapping[str, int]] | None = field(
        default=None, compare=False, repr=False
    )
    """The `levels` the changes were ordered by, with the very changes they are of: a plan
    made from another's with other changes (a targeted one) has them computed anew."""
    wait_starts: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    """When each waiting trader's wait began, by trader (shown beside the waits): when state
    first recorded their user on the platform they wait on; none for a user not created yet."""
    _found: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)
    """What `has_changes` and `counts` found of the changes, found once a plan: each is a pass
    that reads every change from memory (a tenth of a second and more at 800,000 changes), and
    a command asks several times (the text output twice, the exit code)."""

    def wave_levels(self) -> Mapping[str, int]:
        """The wave of each change with dependencies (see `levels`), computed once a plan."""
        known = self.ordering
        if known is not None and known[0] is self.changes:
            return known[1]
        return levels(self.changes)

    def counts(self) -> Counter[Action]:
        """How many changes of each action, no-ops included (a copy: the caller's own)."""
        counts: Counter[Action] | None = self._found.get("counts")
        if counts is None:
            counts = self._found["counts"] = action_counts(self.changes)
        return counts.copy()

    @property
    def has_changes(self) -> bool:
        """True when apply would call a platform or re-address state."""
        calls: bool | None = self._found.get("calls")
        if calls is None:
            calls = self._found["calls"] = any_calls_platform(self.changes)
        return bool(self.moved) or calls


def wait_starts(changes: Sequence[Change], recorded: Mapping[Address, Recorded]) -> dict[str, str]:
    """`Plan.wait_starts` of `changes`: since when `recorded` holds each waiting trader's user
    on the platform of the wait (`<platform>_user`)."""
    found: dict[str, str] = {}
    for change in of_actions(changes, _WAIT):
        trader = change.address.trader
        if trader in found:
            continue
        user = recorded.get(Address(f"{change.address.provider}_user", trader))
        if user is not None and user.since:
            found[trader] = user.since
    return found


def make_plan(
    data: DiffInput,
    *,
    digest: Digest,
    lineage: str,
    serial: int,
    manifest_digest: str,
    created_at: str,
    notes: tuple[str, ...] = (),
    moved: tuple[Move, ...] = (),
) -> Plan:
    """Diff desired against recorded and remote, in execution order (pure); `data` holds the
    recorded state as it is once `moved` is applied."""
    result = diff(data, digest=digest)
    changes, level = order_with_levels(result.changes)
    return Plan(
        changes=changes,
        lineage=lineage,
        serial=serial,
        manifest_digest=manifest_digest,
        created_at=created_at,
        notes=(*notes, *result.notes),
        moved=moved,
        ordering=(changes, level),
        wait_starts=wait_starts(changes, data.recorded),
    )
