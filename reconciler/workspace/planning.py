"""A workspace's plan and drift: moves, pending creates, targeting, the diff, guardrails and
the duration note, around the one refresh."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from reconciler.apply import duration_note
from reconciler.plan import (
    Action,
    Address,
    DesiredResource,
    DiffInput,
    Drift,
    KindRules,
    Plan,
    PlanOptions,
    Recorded,
    Remote,
    check_guards,
    conceal,
    detect_drift,
    make_plan,
    rekey,
    select_targets,
)
from reconciler.providers import PROVIDERS
from reconciler.state import StateDocument
from reconciler.workspace.in_flight import pending_note
from reconciler.workspace.natural_keys import check_fixed_keys
from reconciler.workspace.offboarded import offboarded
from reconciler.workspace.protection import protection
from reconciler.workspace.records import (
    is_digested,
    pending_of,
    recorded_at,
    recorded_of,
    timestamp,
)
from reconciler.workspace.refresh import CREATING, refresh

if TYPE_CHECKING:
    from reconciler.workspace.workspace import Workspace


def plan_workspace(
    workspace: Workspace,
    document: StateDocument,
    *,
    options: PlanOptions,
    only: Collection[Address] | None,
    few: bool = False,
    release: bool = False,
) -> tuple[Plan, dict[Address, Remote]]:
    """Refresh, diff, limit to the targets, check the guardrails; returns the plan and what
    the refresh saw. With `only`, a targeted plan (see `Workspace.plan`); `few` lets the
    providers read its objects by id. With `release` (a run that writes no state), the
    document's records are let go once read, before the refresh: only its header is left."""
    workspace.check_key(document)
    moved = workspace.moves(document)
    resources = workspace.resources
    # a targeted plan that looks at its targets' records alone: a few traders' are decoded
    is_narrow = only is not None and not moved and not document.pending
    protected = protection(workspace, document, only=only if is_narrow else None)
    if only is not None and is_narrow:
        recorded = recorded_at(document, only)
    else:  # with `release`, each record's text is let go as it is decoded
        recorded = rekey(recorded_of(document, known=resources, drain=release), moved)
    if only is None and options.targets:
        only = targeted(workspace, options.targets, recorded)
    checked = resources
    if only is not None:  # a targeted plan: another trader's problem does not block it
        checked = {r.address: r for r in workspace.declared_at(only)}
    check_fixed_keys(checked, recorded, workspace.rules, workspace.desired.sources)
    if release:  # the records' texts are a large state's largest part: not held any longer
        workspace.store.release(document)
    remote = refresh(
        workspace.adapters,
        resources,
        document,
        recorded,
        moved=moved,
        only=only,
        now=workspace.clock(),
        settle=2 * workspace.http_timeout,  # assumed: a late commit lands within that
        few=few and only is not None,
    )
    renamed = dict(moved)
    pending = frozenset(
        renamed.get(address, address)
        for address, action in pending_of(document)
        if action in CREATING
    )
    # objects interrupted creates made under a key the manifests no longer give
    pending |= {a for a in remote if a not in resources and a not in recorded}  # not a pass
    note = pending_note(workspace.store, document)
    notes: tuple[str, ...] = () if note is None else (note,)
    desired = resources
    if only is not None:
        recorded = {a: r for a, r in recorded.items() if a in only}
        desired = checked
    data = DiffInput(
        desired,
        recorded,
        remote,
        workspace.rules,
        pending=pending,
        adopt=options.adopt,
        offboarded=frozenset()
        if options.adopt
        else offboarded(workspace.store, _made(desired, workspace.rules), recorded, remote),
        cancelled=workspace.desired.cancelled,
        interrupted=frozenset(
            renamed.get(address, address)
            for address, action in pending_of(document)
            if action == Action.RESET
        ),
        renamed={old.trader: new.trader for old, new in moved if old.trader != new.trader},
    )
    plan = make_plan(
        data,
        digest=workspace.digest,
        lineage=document.lineage,
        serial=document.serial,
        manifest_digest=workspace.desired.digest,
        created_at=timestamp(workspace.clock),
        notes=notes,
        moved=moved,
    )
    plan = select_targets(plan, options.targets)
    check_guards(plan, protected=protected, max_cancel=options.max_cancel)
    if not plan.has_changes:  # nothing to pace (found once: the plan keeps it for its output)
        return plan, remote
    capabilities = {name: PROVIDERS[name].capabilities for name in workspace.limits}
    note = duration_note(
        plan.changes, capabilities, workspace.limits, ordered=True, level=plan.wave_levels()
    )
    if note is not None:
        plan = replace(plan, notes=(*plan.notes, note))
    return plan, remote


def _made(
    desired: Mapping[Address, DesiredResource], rules: Mapping[str, KindRules]
) -> list[Address]:
    """Addresses of platform objects (followed kinds are observed, never made nor adopted)."""
    return [a for a in desired if not rules[a.kind].followed]


def targeted(
    workspace: Workspace, targets: Collection[str], recorded: Mapping[Address, Recorded]
) -> set[Address]:
    """Every address of the traders `targets` name and of the traders they depend on: a
    targeted plan reads and checks only those, so another trader's problem cannot block
    it (the plan is then narrowed to the targets' changes)."""
    resources = workspace.resources
    traders = {target.partition(".")[2].split("/")[0] or target for target in targets}
    addresses = resources.keys() | recorded.keys()
    while True:
        deps = {
            dep.trader
            for address in addresses
            if address.trader in traders and address in resources
            for dep in resources[address].depends_on
        }
        if deps <= traders:
            return {a for a in addresses if a.trader in traders}
        traders |= deps


def drift_of(workspace: Workspace, document: StateDocument, *, release: bool = False) -> Drift:
    """Refresh only, and compare the platforms with the recorded state (its records decoded
    once, for both). With `release` (a run that writes no state), the document's records are
    let go once read, before the refresh: only its header is left."""
    # a declared address is the declared object, and a record alike the declared values is
    # the declared mapping (one copy of a large firm's, as a plan reads them); with `release`
    # each record is let go as decoded
    recorded = recorded_of(document, known=workspace.resources, drain=release)
    if release:
        workspace.store.release(document)
    remote = refresh(workspace.adapters, workspace.resources, document, recorded)
    notes: tuple[str, ...] = ()
    if document.pending:
        notes = (
            f"{len(document.pending)} operation(s) of an interrupted apply are pending; "
            "objects they created show as appeared until plan or apply resolves them",
        )
    return detect_drift(
        recorded,
        {a: concealed(workspace, r, recorded.get(a)) for a, r in remote.items()},
        declared=workspace.resources,  # looked up, not listed: the report sorts its items
        lineage=document.lineage,
        serial=document.serial,
        created_at=timestamp(workspace.clock),
        notes=notes,
        followed=frozenset(kind for kind, rules in workspace.rules.items() if rules.followed),
    )


def concealed(workspace: Workspace, remote: Remote, recorded: Recorded | None) -> Remote:
    """`remote` with the values state keeps only as digests (from references) digested."""
    resource = workspace.resources.get(remote.address)
    keys: set[str] | frozenset[str] = frozenset() if resource is None else resource.sensitive
    if recorded is not None and remote is not recorded:
        # when the platform shows the very record, its digests are digests already: only a
        # declared secret's plain value would be concealed (at scale, most remote objects)
        keys = keys | {k for k, v in recorded.attributes.items() if is_digested(v)}
    if not keys & remote.attributes.keys():
        return remote
    attributes = conceal(remote.attributes, frozenset(keys), workspace.digest)
    return replace(remote, attributes=attributes)


__all__ = ["concealed", "drift_of", "plan_workspace", "targeted"]
