"""The provider adapter contract: capabilities, expand (desired), read (remote), execute (batches).

Values that cross the contract are frozen slotted dataclasses. An adapter only maps:
no retries, sleeps, state writes or printing (pacing and journaling are apply/'s).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from reconciler.manifest.models import Desired, ProviderSchema
from reconciler.plan.action import Action, Change
from reconciler.plan.address import Address
from reconciler.plan.resource import (
    DesiredResource,
    GeneratedSecret,
    KindRules,
    ReadRequest,
    Recorded,
    Remote,
    SecretValue,
)

__all__ = [
    "Adapter",
    "Batch",
    "BatchItem",
    "Capabilities",
    "Clock",
    "DesiredResource",
    "GeneratedSecret",
    "ItemResult",
    "Provider",
    "ProviderContext",
    "RateLimit",
    "ReadRequest",
    "Recorded",
    "Remote",
    "RunningSandbox",
    "SecretValue",
    "Sleep",
]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A documented limit on one endpoint class: at most `limit` calls per `per_seconds`."""

    endpoint: str
    limit: int
    per_seconds: float
    counts_success: bool = True


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a provider manages and how it may be called.

    `kinds` lists resource kinds in dependency order. `actions` says which actions each kind
    supports. `batch_sizes` gives the most items one `execute` call may carry for a
    (kind, action); absent means 1. `parents` maps a kind to the kind whose cancel also
    cancels it (a trader's accounts go with a Tradovate cancel-everything of the user).
    `cancel_notes` says, per kind, what a cancel leaves behind on the platform.
    """

    kinds: tuple[str, ...]
    actions: Mapping[str, frozenset[Action]]
    batch_sizes: Mapping[tuple[str, Action], int]
    parents: Mapping[str, str] = field(default_factory=dict)
    cancel_notes: Mapping[str, str] = field(default_factory=dict)
    rate_limits: tuple[RateLimit, ...] = ()

    def batch_size(self, kind: str, action: Action) -> int:
        return self.batch_sizes.get((kind, action), 1)


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One change to execute, with what the adapter needs to map it to a call.

    `secrets` holds the plaintext of this item's sensitive attributes (never logged).
    `ids` maps addresses this item depends on to their remote ids at execution time.
    """

    change: Change
    desired: DesiredResource | None = None
    recorded: Recorded | None = None
    secrets: Mapping[str, str] = field(default_factory=dict)
    ids: Mapping[Address, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Batch:
    """Items of one kind and one action, at most the declared batch size."""

    kind: str
    action: Action
    items: tuple[BatchItem, ...]


@dataclass(frozen=True, slots=True)
class ItemResult:
    """The outcome of one batch item: a remote id and facts, or a per-item error."""

    address: Address
    ok: bool
    remote_id: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None


class Adapter(Protocol):
    """A platform as reconciler sees it; one per provider folder."""

    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    def expand(self, desired: Any) -> Sequence[DesiredResource]:
        """Turn the loaded manifests into this provider's desired resources (no I/O)."""
        ...

    def read(self, requests: Sequence[ReadRequest]) -> Mapping[Address, Remote]:
        """Refresh with list calls; addresses absent from the result do not exist remotely."""
        ...

    def execute(self, batch: Batch) -> Sequence[ItemResult]:
        """Perform one batch; one result per item in order; raise only if the whole call failed."""
        ...

    def close(self) -> None:
        """Release connections (and stop an embedded sandbox)."""
        ...


Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True, slots=True)
class ProviderContext:
    """What opening an adapter may use: where an embedded sandbox keeps its data, time, and the
    seconds an HTTP call may take before it counts as timed out."""

    sandbox_dir: Path
    clock: Clock
    sleep: Sleep
    timeout: float = 30.0


class RunningSandbox(Protocol):
    """A platform emulator being served, as `reconciler sandbox serve` shows it."""

    url: str

    def environment(self) -> Mapping[str, str]:
        """What the Firm manifest's `environment` needs to point at this sandbox."""
        ...


@dataclass(frozen=True, slots=True)
class Provider:
    """One registry entry: the manifest schema, the capabilities, how to open an adapter, and
    how to serve the platform's sandbox (`sandbox(data_path, port)`, a context manager)."""

    name: str
    schema: ProviderSchema
    capabilities: Capabilities
    expand: Callable[[Desired], Sequence[DesiredResource]]
    open: Callable[[Any, ProviderContext], Adapter]
    sandbox: Callable[[Path | None, int], AbstractContextManager[RunningSandbox]]

    def rules(self) -> dict[str, KindRules]:
        """Planner rules per resource kind, derived from the capabilities."""
        caps = self.capabilities
        return {
            kind: KindRules(
                caps.actions.get(kind, frozenset()),
                caps.parents.get(kind),
                caps.cancel_notes.get(kind),
            )
            for kind in caps.kinds
        }
