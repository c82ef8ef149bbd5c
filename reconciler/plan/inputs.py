"""What the diff compares (state, refreshed remote objects, desired resources) and what it
returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from reconciler.plan.action import Change
from reconciler.plan.address import Address
from reconciler.plan.resource import DesiredResource, KindRules, Recorded, Remote

Digest = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class DiffInput:
    """Everything the diff compares; all of it already loaded or refreshed.

    `pending` holds addresses whose create was started by an interrupted apply: a remote
    object found for them by natural key is adopted, not duplicated; one found for an address
    no longer desired nor recorded is cancelled (offboarded), like a recorded one. With
    `adopt`, every unrecorded remote object matching a desired natural key is adopted.
    `interrupted` holds addresses whose reset an interrupted apply sent without recording its
    answer: platforms keep no reset history, so the reset is recorded, never sent twice.
    """

    desired: Mapping[Address, DesiredResource]
    """The desired resources by address."""
    recorded: Mapping[Address, Recorded]
    remote: Mapping[Address, Remote]
    rules: Mapping[str, KindRules]
    pending: frozenset[Address] = frozenset()
    adopt: bool = False
    cancelled: frozenset[str] = frozenset()
    """Traders the manifests declare with `status: cancelled` (their cancels say so)."""
    interrupted: frozenset[Address] = frozenset()
    """Addresses whose reset an interrupted apply sent (its answer lost): recorded, not resent."""
    offboarded: frozenset[Address] = frozenset()
    """Unrecorded addresses whose remote object an earlier apply of this workspace cancelled
    (that very id): ours, declared again, so taken back without `adopt`."""
    renamed: Mapping[str, str] = field(default_factory=dict)
    """Traders renamed by this plan's moves (old name -> new): recorded references follow."""


@dataclass(frozen=True, slots=True)
class Diff:
    """The changes (unordered, no-ops included) and notes for humans (create-only drift)."""

    changes: list[Change]
    notes: list[str]
