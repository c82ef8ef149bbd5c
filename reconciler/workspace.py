"""A workspace: one manifests directory with its state store and its providers, wired for
the plan and apply commands (refresh is the only I/O between loading and diffing)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from reconciler.apply.events import EventSink
from reconciler.apply.executor import ApplyContext, ApplyResult, apply_plan
from reconciler.apply.handout import PasswordHandout
from reconciler.apply.journal import Journal
from reconciler.errors import PlanConflict, StalePlan, StateError
from reconciler.manifest import Desired, load_manifests
from reconciler.plan import (
    Address,
    DesiredResource,
    DiffInput,
    KindRules,
    Plan,
    ReadRequest,
    Recorded,
    Remote,
    make_plan,
)
from reconciler.providers import PROVIDERS, Adapter, ProviderContext, kind_rules, schemas
from reconciler.state import LocalBackend, StateDocument, StateStore, key_check, keyed_digest


@dataclass
class Workspace:
    """The loaded manifests, the state store and open adapters of the configured platforms."""

    root: Path
    desired: Desired
    store: StateStore
    adapters: dict[str, Adapter]
    resources: dict[Address, DesiredResource]
    rules: dict[str, KindRules] = field(default_factory=kind_rules)
    clock: Callable[[], float] = time.time
    _key: bytes | None = field(default=None, init=False, repr=False)

    @property
    def state_dir(self) -> Path:
        return self.root / str(self.desired.firm.settings.state.path)

    def digest(self, value: str) -> str:
        """The keyed digest state keeps instead of a secret (the key is read once)."""
        return keyed_digest(value, key=self._secret_key())

    def _secret_key(self) -> bytes:
        if self._key is None:
            self._key = self.store.secret_key()
        return self._key

    def check_key(self, document: StateDocument) -> StateDocument:
        """Refuse a state whose secret digests were made with another key (every password
        would look changed and be reset); stamp the key's fingerprint on a state without one."""
        fingerprint = key_check(self._secret_key())
        if document.key_check is None:
            return document.model_copy(update={"key_check": fingerprint})
        if document.key_check != fingerprint:
            raise StateError(
                "the key of the secret digests is not the one this state was written with "
                "(was the state key file lost or replaced?); restore it, or every password "
                "would look changed"
            )
        return document

    def refresh(self, document: StateDocument) -> dict[Address, Remote]:
        """Read every desired, recorded or interrupted address from its platform with list
        calls."""
        recorded = _recorded(document)
        orphans = sorted({a.provider for a in recorded} - set(self.adapters))
        if orphans:
            raise PlanConflict(
                f"state holds resources of {', '.join(orphans)}, which the Firm manifest no "
                "longer configures; restore the provider to offboard them"
            )
        requests: dict[str, list[ReadRequest]] = {name: [] for name in self.adapters}
        interrupted = {  # what an interrupted apply may have made, declared or not
            Address.parse(op.address): op.natural_key
            for op in document.pending.values()
            if op.action in _CREATING
        }
        for address in self.resources.keys() | recorded.keys() | interrupted.keys():
            resource = self.resources.get(address)
            record = recorded.get(address)
            if resource:
                key = resource.natural_key
            elif record:
                key = _recorded_key(document, address)
            else:
                key = interrupted[address]
            if address.provider in requests:
                requests[address.provider].append(ReadRequest(address, key, record))
        remote: dict[Address, Remote] = {}
        for name, adapter in self.adapters.items():
            remote.update(adapter.read(sorted(requests[name], key=lambda r: r.address)))
        return remote

    def plan(
        self, document: StateDocument, *, adopt: bool = False
    ) -> tuple[Plan, dict[Address, Remote]]:
        """Refresh, then diff; returns the plan and what the refresh saw."""
        self.check_key(document)
        remote = self.refresh(document)
        pending = frozenset(
            Address.parse(op.address) for op in document.pending.values() if op.action in _CREATING
        )
        notes: tuple[str, ...] = ()
        if document.pending:
            notes = (
                f"{len(document.pending)} operation(s) of an interrupted apply were pending; "
                "objects they created are adopted by natural key, the rest are planned again",
            )
        data = DiffInput(
            tuple(self.resources.values()),
            _recorded(document),
            remote,
            self.rules,
            pending=pending,
            adopt=adopt,
        )
        plan = make_plan(
            data,
            digest=self.digest,
            lineage=document.lineage,
            serial=document.serial,
            manifest_digest=self.desired.digest,
            created_at=_now(self.clock),
            notes=notes,
        )
        return plan, remote

    def apply(
        self,
        plan: Plan,
        remote: Mapping[Address, Remote],
        document: StateDocument,
        *,
        sink: EventSink,
    ) -> ApplyResult:
        """Execute the plan, journaling to state; the caller holds the state lock."""
        if plan.manifest_digest != self.desired.digest:
            raise StalePlan("the manifests changed since the plan was made; run plan again")
        context = ApplyContext(
            adapters=self.adapters,
            desired=self.resources,
            rules=self.rules,
            digest=self.digest,
            sink=sink,
            clock=self.clock,
            facts={a: r.facts for a, r in remote.items() if r.facts},
            handout=PasswordHandout(self.state_dir / "generated-passwords.csv"),
        )
        journal = Journal(self.store, self.check_key(document), clock=self.clock)
        return apply_plan(plan, journal=journal, context=context)


@contextmanager
def open_workspace(
    manifests: Path,
    *,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    connect: bool = True,
    http_timeout: float = 30.0,
) -> Iterator[Workspace]:
    """Load the manifests, open state and (with `connect`) every configured provider, whose
    HTTP calls time out after `http_timeout` seconds."""
    desired = load_manifests(manifests, schemas=schemas(), environ=environ)
    root = manifests.resolve().parent
    settings = desired.firm.settings.state
    if settings.backend != "local":
        raise StateError(f"state backend {settings.backend!r} is not available yet")
    state_dir = root / settings.path
    store = StateStore(
        LocalBackend(state_dir, workspace=settings.workspace), clock=clock, sleep=sleep
    )
    with ExitStack() as stack:
        adapters: dict[str, Adapter] = {}
        if connect:
            context = ProviderContext(
                sandbox_dir=state_dir / "sandbox", clock=clock, sleep=sleep, timeout=http_timeout
            )
            for name, provider_settings in desired.firm.providers.items():
                adapter = PROVIDERS[name].open(provider_settings, context)
                stack.callback(adapter.close)
                adapters[name] = adapter
        resources: dict[Address, DesiredResource] = {}
        for name in desired.firm.providers:
            for resource in PROVIDERS[name].expand(desired):
                resources[resource.address] = resource
        yield Workspace(root, desired, store, adapters, resources, clock=clock)


_CREATING = frozenset({"create", "entitle", "replace"})
"""Pending actions whose object the next plan looks up by natural key."""


def _recorded(document: StateDocument) -> dict[Address, Recorded]:
    return {
        Address.parse(text): Recorded(Address.parse(text), r.remote_id, r.attributes, r.facts)
        for text, r in document.resources.items()
    }


def _recorded_key(document: StateDocument, address: Address) -> str:
    """The natural key of a recorded object no longer declared (kept in its facts)."""
    record = document.resources.get(str(address))
    return str(record.facts.get("natural_key", "")) if record else ""


def _now(clock: Callable[[], float]) -> str:
    return datetime.fromtimestamp(clock(), UTC).isoformat(timespec="seconds")


__all__ = ["Workspace", "open_workspace"]
