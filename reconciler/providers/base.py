"""The provider adapter contract: capabilities, expand (desired), read (remote), execute (batches),
and the optional `watch` (a live stream of preconditions being met, for `reconciler watch`).
Values crossing it are frozen slotted dataclasses. An adapter only maps: no retries, sleeps,
state writes or printing (scheduling and journaling are apply/'s; each request waits in its
client for the `Pacer` built from the declared `rate_limits` and the Firm's overrides). A
stream reconnects by itself, since that is how the platform's socket must be used."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, cast

from reconciler.manifest import Desired, ProviderSchema
from reconciler.plan import (
    Action,
    Address,
    Change,
    DesiredResource,
    GeneratedSecret,
    KindRules,
    ReadRequest,
    Recorded,
    Remote,
    SecretValue,
)
from reconciler.providers.backoff import Backoff
from reconciler.providers.pacing import Clock, Pacer, RateLimit, Sleep, merge_limits

__all__ = [
    "Adapter",
    "Batch",
    "BatchItem",
    "Calls",
    "Capabilities",
    "Clock",
    "DesiredResource",
    "GeneratedSecret",
    "ItemResult",
    "PreconditionMet",
    "Provider",
    "ProviderContext",
    "RateLimit",
    "ReadRequest",
    "Recorded",
    "Remote",
    "RunningSandbox",
    "SecretValue",
    "Sleep",
    "StreamStatus",
    "WatchEvent",
    "WatchOptions",
    "WatchSink",
    "Watchable",
    "watchable",
]


@dataclass(frozen=True, slots=True)
class Calls:
    """Requests one `execute` makes to one endpoint class: `per_batch` + `per_item` x items.
    With `changing`, only items whose change changes that attribute count, and a batch with
    none of them makes no such call (an update calls one endpoint per attribute it changes)."""

    endpoint: str
    per_batch: int = 0
    per_item: int = 0
    changing: str | None = None

    def count(self, changes: Sequence[Change]) -> int:
        """The requests for one batch of `changes`."""
        items = len(changes)
        if self.changing is not None:
            items = sum(1 for change in changes if self.changing in change.changed)
            if not items:
                return 0
        return self.per_batch + self.per_item * items


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a provider manages and how it may be called.

    `kinds` lists resource kinds in dependency order. `actions` says which actions each kind
    supports. `batch_sizes` gives the most items one `execute` call may carry for a
    (kind, action); absent means 1. `parents` maps a kind to the kind whose cancel also
    cancels it (a trader's accounts go with a Tradovate cancel-everything of the user).
    `cancel_notes` says, per kind, what a cancel leaves behind on the platform. `followed`
    kinds are observed, not made (see `KindRules.followed`).
    `watch_kinds` lists the kinds whose waits the adapter reports the end of as they happen
    (it then implements `Watchable`); empty for a provider without such a stream.
    `rate_limits` are the platform's limits (each documented or assumed: its `limits.py`);
    `calls`: the endpoint classes one `execute` of a (kind, action) calls, and how often."""

    kinds: tuple[str, ...]
    actions: Mapping[str, frozenset[Action]]
    batch_sizes: Mapping[tuple[str, Action], int]
    parents: Mapping[str, str] = field(default_factory=dict)
    cancel_notes: Mapping[str, str] = field(default_factory=dict)
    followed: frozenset[str] = frozenset()
    rate_limits: tuple[RateLimit, ...] = ()
    watch_kinds: tuple[str, ...] = ()
    calls: Mapping[tuple[str, Action], tuple[Calls, ...]] = field(default_factory=dict)

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
    """The outcome of one batch item: a remote id and facts, or a per-item error.

    `waiting` (with `ok`): a probing wait found its precondition still unmet; nothing changed
    on the platform and nothing is recorded for the address (the next plan still waits)."""

    address: Address
    ok: bool
    remote_id: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None
    waiting: bool = False


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


@dataclass(frozen=True, slots=True)
class PreconditionMet:
    """The platform says a precondition outside our control is now met (a trader signed an
    agreement). `kind` plus `remote_id` (or `natural_key` when known) name the object whose
    record remembers it in `facts`; that trader's resources of the `unblocks` kinds may now be
    applied. `caught_up` marks one found by the catch-up read after a (re)connect rather than
    pushed live; `detail` is for humans (never a secret)."""

    kind: str
    remote_id: str
    natural_key: str | None
    facts: Mapping[str, Any]
    unblocks: tuple[str, ...]
    detail: str
    caught_up: bool = False


@dataclass(frozen=True, slots=True)
class StreamStatus:
    """A provider's event stream connected (and caught up) or lost its connection; when lost,
    `retry_in` says how many seconds until the next attempt."""

    provider: str
    connected: bool
    detail: str = ""
    retry_in: float | None = None


WatchEvent = PreconditionMet | StreamStatus
WatchSink = Callable[[WatchEvent], None]


@dataclass(frozen=True, slots=True)
class WatchOptions:
    """Timing of an event stream: reconnects wait `backoff_initial` doubling up to `backoff_max`
    (times a factor in [0.5, 1) drawn from `jitter`); the client sends a heartbeat every
    `heartbeat` seconds and drops a connection that heard nothing for `silence_timeout`."""

    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    heartbeat: float = 2.5
    silence_timeout: float = 15.0
    jitter: Callable[[], float] = field(default=random.random, repr=False)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before reconnect attempt `attempt` (0 for the first retry)."""
        return Backoff(self.backoff_initial, self.backoff_max).delay(attempt, jitter=self.jitter())


class Watchable(Protocol):
    """An adapter whose platform pushes events (declared by `Capabilities.watch_kinds`)."""

    def watch(self, sink: WatchSink, *, stop: threading.Event, options: WatchOptions) -> None:
        """Report events to `sink` until `stop` is set, reconnecting with backoff; after each
        (re)connect, one catch-up read reports what was missed meanwhile."""
        ...


def watchable(adapter: Adapter) -> Watchable | None:
    """The adapter as an event source, when its capabilities declare one."""
    if adapter.capabilities.watch_kinds and callable(getattr(adapter, "watch", None)):
        return cast(Watchable, adapter)
    return None


@dataclass(frozen=True, slots=True)
class ProviderContext:
    """What opening an adapter may use: an embedded sandbox's data folder, time, the seconds
    an HTTP call may take before it times out, and the Firm's rate-limit overrides by provider
    (replacing the declared limits of the endpoint classes they name)."""

    sandbox_dir: Path
    clock: Clock
    sleep: Sleep
    timeout: float = 30.0
    rate_limits: Mapping[str, tuple[RateLimit, ...]] = field(default_factory=dict)

    def limits(self, provider: str, declared: Sequence[RateLimit]) -> tuple[RateLimit, ...]:
        """The limits a provider's client paces under: `declared` with the overrides."""
        return merge_limits(declared, self.rate_limits.get(provider, ()))

    def pacer(self, provider: str, declared: Sequence[RateLimit]) -> Pacer:
        """A pacer for one provider's client, on this context's clock and sleep."""
        return Pacer(self.limits(provider, declared), clock=self.clock, sleep=self.sleep)


class RunningSandbox(Protocol):
    """A platform emulator being served, as `reconciler sandbox serve` shows it."""

    url: str

    def firm_settings(self) -> Mapping[str, Any]:
        """What `providers.<name>` of the Firm manifest needs to use this sandbox: its
        `environment` and the seeded firm's login (sandbox-only values)."""
        ...

    def connection(self) -> Sequence[tuple[str, str]]:
        """(label, value) pairs a person pointing their own client at this sandbox needs:
        every URL it serves and the seeded logins (sandbox-only values)."""
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
                kind in caps.followed,
            )
            for kind in caps.kinds
        }
