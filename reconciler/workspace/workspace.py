"""A workspace: one manifests directory with its state store and its providers, wired for
the plan and apply commands (refresh is the only I/O between loading and diffing)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from reconciler.apply.events import EventSink
from reconciler.apply.executor import DEFAULT_WORKERS, ApplyContext, ApplyResult, apply_plan
from reconciler.apply.handout import PasswordHandout
from reconciler.apply.journal import Journal, utc_now
from reconciler.apply.pacing import duration_note
from reconciler.errors import PlanConflict, StalePlan, StateError
from reconciler.manifest import Desired, load_manifests
from reconciler.plan import (
    Action,
    Address,
    DesiredResource,
    DiffInput,
    Drift,
    KindRules,
    Move,
    Origin,
    Plan,
    PlanOptions,
    ReadRequest,
    Recorded,
    Remote,
    check_guards,
    detect_drift,
    make_plan,
    plan_moves,
    protected_addresses,
    recordable,
    rekey,
    select_targets,
    values_digest,
)
from reconciler.providers import (
    PROVIDERS,
    Adapter,
    ProviderContext,
    RateLimit,
    kind_rules,
    schemas,
)
from reconciler.state import (
    AuditEntry,
    ResourceState,
    StateDocument,
    StateStore,
    key_check,
    keyed_digest,
)
from reconciler.workspace.backends import StateChoice, open_backend
from reconciler.workspace.provenance import provenance
from reconciler.workspace.refresh import CREATING, refresh

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
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    limits: Mapping[str, tuple[RateLimit, ...]] = field(default_factory=dict)
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

    def moves(self, document: StateDocument) -> tuple[Move, ...]:
        """The re-addressings the manifests' `moved` entries call for on this state."""
        entries = [(m.source, m.target) for m in self.desired.firm.moved]
        if not entries:
            return ()
        recorded = [Address.parse(text) for text in document.resources]
        return plan_moves(entries, recorded, kinds=self.rules.keys())

    def refresh(
        self,
        document: StateDocument,
        *,
        moved: tuple[Move, ...] = (),
        only: Collection[Address] | None = None,
    ) -> dict[Address, Remote]:
        """Read every desired or recorded address (or those in `only`) from its platform with
        list calls (and what an interrupted apply may have made); recorded addresses as they are
        once `moved` is applied."""
        recorded = rekey(_recorded(document), moved)
        return refresh(self.adapters, self.resources, document, recorded, moved=moved, only=only)

    def plan(
        self,
        document: StateDocument,
        *,
        options: PlanOptions = _DEFAULT_OPTIONS,
        only: Collection[Address] | None = None,
    ) -> tuple[Plan, dict[Address, Remote]]:
        """Refresh, diff, limit to the targets, check the guardrails; returns the plan and
        what the refresh saw. With `only`, a targeted plan: just those addresses are refreshed
        and planned (nothing else is cancelled for not being among them)."""
        self.check_key(document)
        moved = self.moves(document)
        recorded = rekey(_recorded(document), moved)
        remote = refresh(self.adapters, self.resources, document, recorded, moved=moved, only=only)
        renamed = dict(moved)
        pending = frozenset(
            renamed.get(address, address)
            for address, action in _pending(document)
            if action in CREATING
        )
        notes: tuple[str, ...] = ()
        if document.pending:
            notes = (
                f"{len(document.pending)} operation(s) of an interrupted apply were pending; "
                "objects they created are adopted by natural key, the rest are planned again",
            )
        desired = tuple(self.resources.values())
        if only is not None:
            recorded = {a: r for a, r in recorded.items() if a in only}
            desired = tuple(r for r in desired if r.address in only)
        data = DiffInput(
            desired,
            recorded,
            remote,
            self.rules,
            pending=pending,
            adopt=options.adopt,
            interrupted=frozenset(
                renamed.get(address, address)
                for address, action in _pending(document)
                if action == Action.RESET
            ),
        )
        plan = make_plan(
            data,
            digest=self.digest,
            lineage=document.lineage,
            serial=document.serial,
            manifest_digest=self.desired.digest,
            created_at=_now(self.clock),
            notes=notes,
            moved=moved,
        )
        plan = select_targets(plan, options.targets)
        check_guards(plan, protected=self.protection(document), max_cancel=options.max_cancel)
        capabilities = {name: PROVIDERS[name].capabilities for name in self.limits}
        note = duration_note(plan.changes, capabilities, self.limits)
        if note is not None:
            plan = replace(plan, notes=(*plan.notes, note))
        return plan, remote

    def import_object(
        self, document: StateDocument, address: Address, remote_id: str
    ) -> StateDocument:
        """Record the platform's object `remote_id` as the declared `address` and write state;
        refuses an undeclared or already recorded address, and an id that is not the object
        the address's natural key finds. The caller holds the state lock."""
        resource = self.resources.get(address)
        if resource is None:
            raise PlanConflict(f"{address} is not declared in the manifests: declare it first")
        record = document.resources.get(str(address))
        if record is not None:
            raise PlanConflict(
                f"{address} is already recorded as remote object {record.remote_id}; "
                f"run `reconciler state rm {address}` first to import another"
            )
        self.check_key(document)
        key = resource.natural_key
        claimed = Recorded(address, remote_id, {}, {}, key)
        found = self.adapters[address.provider].read([ReadRequest(address, key, claimed)])
        remote = found.get(address)
        if remote is None or remote.remote_id is None:
            raise PlanConflict(f"no {address.provider} object matches {address} ({key})")
        if remote.remote_id != remote_id:
            raise PlanConflict(
                f"{address.provider} object {remote_id} is not {address}: {key} is "
                f"object {remote.remote_id} there"
            )
        editor = document.edit()
        editor.put(
            str(address),
            ResourceState(
                remote_id=remote_id,
                natural_key=key,
                # what the platform shows, and the declared values of what it cannot show
                attributes={**recordable(resource, digest=self.digest), **remote.attributes},
                facts=dict(remote.facts),
                updated_at=utc_now(self.clock),
            ),
        )
        written = self.store.write(editor.snapshot())
        self.audit("import", [(str(address), "import", remote_id)])
        return written

    def audit(self, command: str, items: Sequence[tuple[str, str, str | None]]) -> None:
        """Append state-only actions that succeeded (import, state rm, mv, push) to the trail:
        (address, action, remote id) each."""
        stamp = provenance(command, root=self.root, plan=None, environ=self.environ)
        at = utc_now(self.clock)
        self.store.append_audit(
            [
                AuditEntry.of(
                    stamp,
                    at=at,
                    trader=_trader(address),
                    address=address,
                    action=action,
                    outcome="ok",
                    remote_id=remote_id,
                )
                for address, action, remote_id in items
            ]
        )

    def with_desired(self, desired: Desired) -> Workspace:
        """The same state and open providers with other manifests (the firm's provider and
        state settings must be unchanged: they chose the open adapters and store)."""
        return replace(self, desired=desired, resources=desired_resources(desired))

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
        flagged = {  # only records that remember a protection flag can add to `declared`
            text: record
            for text, record in document.resources.items()
            if record.facts.get("protected")
        }
        return protected_addresses(declared, _recorded(document, flagged))

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
            workspace=self.store.workspace,
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
        command: str = "apply",
        workers: int = DEFAULT_WORKERS,
    ) -> ApplyResult:
        """Execute the plan, journaling to state and to the audit trail (as `command`); the
        caller holds the state lock. `workers` bounds the batches of one platform in flight
        at once."""
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
            workers=workers,
        )
        journal = Journal(
            self.store,
            self.check_key(document),
            clock=self.clock,
            provenance=provenance(command, root=self.root, plan=plan, environ=self.environ),
        )
        return apply_plan(plan, journal=journal, context=context)


@contextmanager
def open_workspace(
    manifests: Path,
    *,
    choice: StateChoice | None = None,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    connect: bool = True,
    http_timeout: float = 30.0,
) -> Iterator[Workspace]:
    """Load the manifests, open the chosen state backend and (with `connect`) every
    configured provider, whose HTTP calls time out after `http_timeout` seconds."""
    environ = dict(os.environ) if environ is None else environ
    desired = load_manifests(manifests, schemas=schemas(), environ=environ)
    root = manifests.resolve().parent
    settings = desired.firm.settings.state
    state_dir = root / settings.path
    backend = open_backend(settings, root=root, choice=choice or StateChoice(), environ=environ)
    store = StateStore(backend, clock=clock, sleep=sleep)
    overrides = {
        name: tuple(RateLimit(**limit.model_dump()) for limit in limits)
        for name, limits in desired.firm.settings.rate_limits.items()
    }
    context = ProviderContext(
        sandbox_dir=state_dir / "sandbox",
        clock=clock,
        sleep=sleep,
        timeout=http_timeout,
        rate_limits=overrides,
    )
    limits = {
        name: context.limits(name, PROVIDERS[name].capabilities.rate_limits)
        for name in desired.firm.providers
    }
    with ExitStack() as stack:
        stack.callback(store.close)
        adapters: dict[str, Adapter] = {}
        if connect:
            for name, provider_settings in desired.firm.providers.items():
                adapter = PROVIDERS[name].open(provider_settings, context)
                stack.callback(adapter.close)
                adapters[name] = adapter
        resources = desired_resources(desired)
        yield Workspace(
            root, desired, store, adapters, resources, clock=clock, environ=environ, limits=limits
        )


def desired_resources(desired: Desired) -> dict[Address, DesiredResource]:
    """Every configured provider's desired resources, by address."""
    resources: dict[Address, DesiredResource] = {}
    for name in desired.firm.providers:
        for resource in PROVIDERS[name].expand(desired):
            resources[resource.address] = resource
    return resources


def _recorded(
    document: StateDocument, records: Mapping[str, ResourceState] | None = None
) -> dict[Address, Recorded]:
    """The document's records (or those of `records`) by address."""
    recorded = {}
    for text, r in (document.resources if records is None else records).items():
        address = Address.parse(text)
        recorded[address] = Recorded(address, r.remote_id, r.attributes, r.facts, r.natural_key)
    return recorded


def _trader(address: str) -> str:
    try:
        return Address.parse(address).trader
    except ValueError:
        return ""  # an entry about the whole state (a push)


def _pending(document: StateDocument) -> list[tuple[Address, str]]:
    return [(Address.parse(op.address), op.action) for op in document.pending.values()]


def reconciler_version() -> str:
    """The installed reconciler's version (saved plans record it)."""
    try:
        return version("reconciler")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def _now(clock: Callable[[], float]) -> str:
    return datetime.fromtimestamp(clock(), UTC).isoformat(timespec="seconds")


__all__ = ["Workspace", "open_workspace", "reconciler_version"]
