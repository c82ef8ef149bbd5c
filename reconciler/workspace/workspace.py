"""A workspace: one manifests directory with its state store and its providers, wired for
the plan and apply commands (refresh is the only I/O between loading and diffing)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reconciler.apply import (
    DEFAULT_WORKERS,
    ApplyContext,
    ApplyResult,
    EventSink,
    Journal,
    PasswordHandout,
    Sealed,
    apply_plan,
    decode_key,
    utc_now,
)
from reconciler.errors import StalePlan, StateError
from reconciler.manifest import Desired
from reconciler.plan import (
    Address,
    DesiredResource,
    Drift,
    KindRules,
    Move,
    Origin,
    Plan,
    PlanOptions,
    Remote,
    plan_moves,
    rekey,
    values_digest,
)
from reconciler.providers import Adapter, RateLimit, kind_rules
from reconciler.state import AuditEntry, StateDocument, StateStore, key_check, keyed_digest
from reconciler.workspace.declared import Declared
from reconciler.workspace.desired import expand_consuming
from reconciler.workspace.importing import import_object
from reconciler.workspace.natural_keys import check_moved_keys
from reconciler.workspace.planning import drift_of, plan_workspace
from reconciler.workspace.protection import apply_facts, protection
from reconciler.workspace.provenance import provenance
from reconciler.workspace.records import recorded_of, trader_of
from reconciler.workspace.refresh import refresh
from reconciler.workspace.version import reconciler_version

_DEFAULT_OPTIONS = PlanOptions()


@dataclass
class Workspace:
    """The loaded manifests, the state store and open adapters of the configured platforms."""

    root: Path
    desired: Declared
    store: StateStore
    adapters: dict[str, Adapter]
    resources: dict[Address, DesiredResource]
    rules: dict[str, KindRules] = field(default_factory=kind_rules)
    clock: Callable[[], float] = time.time
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    limits: Mapping[str, tuple[RateLimit, ...]] = field(default_factory=dict)
    http_timeout: float = 30.0
    _key: bytes | None = field(default=None, init=False, repr=False)
    _order: dict[Address, int] | None = field(default=None, init=False, repr=False)

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
        if self._key is None:  # a state written with a key never gets a new one
            self._key = self.store.secret_key(create=document.key_check is None)
        fingerprint = key_check(self._key)
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
        moved = self.desired.firm.moved
        if not moved:
            return ()
        keys = {address: r.natural_key for address, r in document.resources.items()}
        check_moved_keys(moved, self.desired.moved_sources, keys, self.resources, self.rules)
        entries = [(m.source, m.target) for m in moved]
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
        recorded = rekey(recorded_of(document), moved)
        return refresh(self.adapters, self.resources, document, recorded, moved=moved, only=only)

    def plan(
        self,
        document: StateDocument,
        *,
        options: PlanOptions = _DEFAULT_OPTIONS,
        only: Collection[Address] | None = None,
        few: bool = False,
        release: bool = False,
    ) -> tuple[Plan, dict[Address, Remote]]:
        """Refresh, diff, limit to the targets, check the guardrails; returns the plan and
        what the refresh saw. With `only`, a targeted plan: just those addresses are refreshed
        and planned (nothing else is cancelled for not being among them); with `few` too,
        providers that can read those objects by id do so rather than list the firm. With
        `release`, for a run that writes no state: the document's records are let go once
        read (the document keeps only its header, lineage and serial)."""
        return plan_workspace(self, document, options=options, only=only, few=few, release=release)

    def import_object(
        self, document: StateDocument, address: Address, remote_id: str
    ) -> StateDocument:
        """Record the platform's object `remote_id` as the declared `address` (see
        `importing.import_object`); the caller holds the state lock."""
        return import_object(self, document, address, remote_id)

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
                    trader=trader_of(address),
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
        declared = Declared.of(desired)
        resources = expand_consuming(declared, [*desired.traders])
        return replace(self, desired=declared, resources=resources)

    def protection(self, document: StateDocument) -> dict[Address, str]:
        """Protected addresses and where the flag comes from (see `protection`)."""
        return protection(self, document)

    def facts(
        self,
        remote: Mapping[Address, Remote],
        document: StateDocument,
        *,
        only: Collection[Address] | None = None,
    ) -> dict[Address, dict[str, Any]]:
        """What apply records besides attributes (see `protection.apply_facts`)."""
        return apply_facts(self, remote, document, only=only)

    def prepare_targeting(self) -> dict[Address, int]:
        """The declared addresses' places in the manifests' order, found once (a long-running
        caller asks for them before its first targeted plan)."""
        if self._order is None:
            self._order = {address: n for n, address in enumerate(self.resources)}
        return self._order

    def declared_at(self, addresses: Collection[Address]) -> tuple[DesiredResource, ...]:
        """The declared resources at `addresses`, in the manifests' order (the order a plan
        over every resource meets them in), without a pass over the firm's."""
        order = self.prepare_targeting()
        found = sorted((a for a in addresses if a in order), key=order.__getitem__)
        return tuple(self.resources[a] for a in found)

    def record_facts(self, remote: Mapping[Address, Remote], document: StateDocument) -> None:
        """Record facts and protection flags when there is nothing to apply (one state
        write, only if something changed); the caller holds the state lock."""
        journal = Journal(self.store, self.check_key(document), clock=self.clock)
        journal.prepare(self.facts(remote, document))

    def drift(self, document: StateDocument, *, release: bool = False) -> Drift:
        """Refresh only, and compare the platforms with the recorded state. With `release`,
        for a run that writes no state: the document's records are let go once read."""
        return drift_of(self, document, release=release)

    def handout(self) -> PasswordHandout:
        """Where generated passwords go: sealed into the state backend when the Firm names a
        public key, else the owner-only CSV beside local state."""
        path = self.state_dir / "generated-passwords.csv"
        settings = self.desired.firm.settings.handout
        if settings is None:
            return PasswordHandout(path)
        key = decode_key(settings.public_key, what="settings.handout.public_key")
        return PasswordHandout(path, sealed=Sealed(key, self.store.backend))

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
        only: Collection[Address] | None = None,
    ) -> ApplyResult:
        """Execute the plan, journaling to state and to the audit trail (as `command`); the
        caller holds the state lock. `workers` bounds the batches of one platform in flight
        at once; `only` names a targeted plan's addresses (the facts recorded besides its
        changes are theirs alone)."""
        if plan.manifest_digest != self.desired.digest:
            raise StalePlan("the manifests changed since the plan was made; run plan again")
        context = ApplyContext(
            adapters=self.adapters,
            desired=self.resources,
            rules=self.rules,
            digest=self.digest,
            sink=sink,
            clock=self.clock,
            facts=self.facts(remote, document, only=only),
            handout=self.handout(),
            workers=workers,
            renamed={old.trader: new.trader for old, new in plan.moved if old.trader != new.trader},
        )
        journal = Journal(
            self.store,
            self.check_key(document),
            clock=self.clock,
            provenance=provenance(command, root=self.root, plan=plan, environ=self.environ),
        )
        return apply_plan(plan, journal=journal, context=context)


__all__ = ["Workspace"]
