"""What apply needs besides the plan (`ApplyContext`) and what it reports (`ApplyResult`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.apply.events import EventSink
from reconciler.apply.handout import PasswordHandout, generate_password
from reconciler.plan import Address, DesiredResource, Digest, KindRules
from reconciler.providers import Adapter

DEFAULT_WORKERS = 8
"""Batches of one platform in flight at once, unless told otherwise."""


@dataclass(frozen=True, slots=True)
class ApplyContext:
    """What apply needs besides the plan: adapters, desired resources, and injectables.

    `facts` are observations of the refresh to remember in state (e.g. a signature seen).
    `workers` bounds the batches of one platform in flight at once. `renamed` maps the
    traders the plan's moves rename (old name -> new): recorded references to them follow.
    """

    adapters: Mapping[str, Adapter]
    desired: Mapping[Address, DesiredResource]
    rules: Mapping[str, KindRules]
    digest: Digest
    sink: EventSink
    clock: Callable[[], float]
    facts: Mapping[Address, Mapping[str, Any]] = field(default_factory=dict)
    handout: PasswordHandout | None = None
    make_password: Callable[[int], str] = generate_password
    workers: int = DEFAULT_WORKERS
    renamed: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What landed: `failed` maps an address to its platform error; `skipped` ones were not
    attempted because something they depend on failed; `waiting` ones were probed and their
    precondition is still unmet (not an error: the plan said they may still wait)."""

    succeeded: tuple[Address, ...]
    failed: Mapping[Address, str]
    skipped: tuple[Address, ...]
    waiting: tuple[Address, ...] = ()

    @property
    def is_complete(self) -> bool:
        return not self.failed and not self.skipped
