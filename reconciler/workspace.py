"""A workspace: one manifests directory with its state store and its providers, wired for
the plan and apply commands (refresh is the only I/O between loading and diffing)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

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
    Drift,
    KindRules,
    Origin,
    Plan,
    PlanOptions,
    ReadRequest,
    Recorded,
    Remote,
    check_guards,
    detect_drift,
    make_plan,
    protected_addresses,
    select_targets,
    values_digest,
)
from reconciler.providers import PROVIDERS, Adapter, ProviderContext, kind_rules, schemas
from reconciler.state import LocalBackend, StateDocument, StateStore, key_check, keyed_digest

_DEFAULT_OPTIONS = PlanOptions()


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
        """Read every desired or recorded address from its platform with list calls."""
        recorded = _recorded(document)
        orphans = sorted({a.provider for a in recorded} - set(self.adapters))
        if orphans:
            raise PlanConflict(
                f"state holds resources of {', '.join(orphans)}, which the Firm manifest no "
                "longer configures; restore the provider to offboard them"
            )
        requests: dict[str, list[ReadRequest]] = {name: [] for name in self.adapters}
        for address in self.resources.keys() | recorded.keys():
            resource = self.resources.get(address)
            record = recorded.get(address)
            key = resource.natural_key if resource else _recorded_key(document, address)
            if address.provider in requests:
                requests[address.provider].append(ReadRequest(address, key, record))
        remote: dict[Address, Remote] = {}
        for name, adapter in self.adapters.items():
            remote.update(adapter.read(sorted(requests[name], key=lambda r: r.address)))
        return remote

    def plan(
        self, document: StateDocument, *, options: PlanOptions = _DEFAULT_OPTIONS
    ) -> tuple[Plan, dict[Address, Remote]]:
        """Refresh, diff, limit to the targets, check the guardrails; returns the plan and
        what the refresh saw."""
        self.check_key(document)
        remote = self.refresh(document)
        pending = frozenset(
            Address.parse(op.address)
            for op in document.pending.values()
            if op.action in ("create", "entitle", "replace")
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
            adopt=options.adopt,
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
        plan = select_targets(plan, options.targets)
        check_guards(plan, protected=self.protection(document), max_cancel=options.max_cancel)
        return plan, remote

    def protection(self, document: StateDocument) -> dict[Address, str]:
        """Protected addresses and where the flag comes from: the manifests for everything a
        declared trader has (a cancelled one too), else the flag state recorded."""
        declared = {address: r.protected for address, r in self.resources.items()}
        cancelled = tuple(
            t.model_copy(update={"status": "active"})
            for t in self.desired.traders
            if t.status != "active"
        )
        if cancelled:
            shadow = replace(self.desired, traders=cancelled)
            for name in self.desired.firm.providers:
                for resource in PROVIDERS[name].expand(shadow):
                    declared.setdefault(resource.address, resource.protected)
        return protected_addresses(declared, _recorded(document))

    def facts(
        self, remote: Mapping[Address, Remote], document: StateDocument
    ) -> dict[Address, dict[str, Any]]:
        """What apply records besides attributes: the refresh's observations, and each
        declared resource's protection flag (so it outlives the resource's declaration)."""
        facts = {a: dict(r.facts) for a, r in remote.items() if r.facts}
        for address, resource in self.resources.items():
            record = document.resources.get(str(address))
            if resource.protected or (record is not None and record.facts.get("protected")):
                facts.setdefault(address, {})["protected"] = resource.protected
        return facts

    def record_facts(self, remote: Mapping[Address, Remote], document: StateDocument) -> None:
        """Record facts and protection flags when there is nothing to apply (one state
        write, only if something changed); the caller holds the state lock."""
        journal = Journal(self.store, self.check_key(document), clock=self.clock)
        journal.prepare(self.facts(remote, document))

    def drift(self, document: StateDocument) -> Drift:
        """Refresh only, and compare the platforms with the recorded state."""
        remote = self.refresh(document)
        notes: tuple[str, ...] = ()
        if document.pending:
            notes = (
                f"{len(document.pending)} operation(s) of an interrupted apply are pending; "
                "objects they created show as appeared until plan or apply resolves them",
            )
        return detect_drift(
            _recorded(document),
            remote,
            declared=sorted(self.resources),
            lineage=document.lineage,
            serial=document.serial,
            created_at=_now(self.clock),
            notes=notes,
        )

    def origin(self, document: StateDocument) -> Origin:
        """What a saved plan made now would record, to check one against."""
        return Origin(
            firm=self.desired.firm.name,
            workspace=self.desired.firm.settings.state.workspace,
            lineage=document.lineage,
            serial=document.serial,
            manifest_digest=self.desired.digest,
            values_digest=self.values_digest(),
            reconciler_version=reconciler_version(),
        )

    def values_digest(self) -> str:
        """A digest of the desired resources as resolved (see `values_digest`)."""
        return values_digest(self.resources, digest=self.digest)

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
            facts=self.facts(remote, document),
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
) -> Iterator[Workspace]:
    """Load the manifests, open state and (with `connect`) every configured provider."""
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
            context = ProviderContext(sandbox_dir=state_dir / "sandbox", clock=clock, sleep=sleep)
            for name, provider_settings in desired.firm.providers.items():
                adapter = PROVIDERS[name].open(provider_settings, context)
                stack.callback(adapter.close)
                adapters[name] = adapter
        resources: dict[Address, DesiredResource] = {}
        for name in desired.firm.providers:
            for resource in PROVIDERS[name].expand(desired):
                resources[resource.address] = resource
        yield Workspace(root, desired, store, adapters, resources, clock=clock)


def _recorded(document: StateDocument) -> dict[Address, Recorded]:
    return {
        Address.parse(text): Recorded(Address.parse(text), r.remote_id, r.attributes, r.facts)
        for text, r in document.resources.items()
    }


def _recorded_key(document: StateDocument, address: Address) -> str:
    """The natural key of a recorded object no longer declared (kept in its facts)."""
    record = document.resources.get(str(address))
    return str(record.facts.get("natural_key", "")) if record else ""


def reconciler_version() -> str:
    """The installed reconciler's version (saved plans record it)."""
    try:
        return version("reconciler")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def _now(clock: Callable[[], float]) -> str:
    return datetime.fromtimestamp(clock(), UTC).isoformat(timespec="seconds")


__all__ = ["Workspace", "open_workspace", "reconciler_version"]
