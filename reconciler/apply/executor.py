"""Executing a plan: waves in dependency order, provider batches, journaled state writes.

Concurrency: independent platforms run in lanes of their own; within a wave (whose changes
never depend on each other) up to `workers` batches of a platform run at once, each client
pacing its requests under the platform's rate limits. Journaling is by rounds: one state write
records the intent of a round's batches before any of them is sent, one more their outcomes
after; a round holds at least `workers` batches and grows with the state (half the recorded
resources' worth of items), so writing state, which rewrites the whole document, stays linear
in the size of the apply.
"""

from __future__ import annotations

from reconciler.apply.context import DEFAULT_WORKERS, ApplyContext, ApplyResult
from reconciler.apply.events import ApplyFinished
from reconciler.apply.journal import Journal
from reconciler.apply.run import Run
from reconciler.errors import StalePlan
from reconciler.plan import Action, Address, Plan
from reconciler.providers import Capabilities


def apply_plan(plan: Plan, *, journal: Journal, context: ApplyContext) -> ApplyResult:
    """Execute `plan` exactly; refuses a plan made from another state serial or lineage."""
    document = journal.document
    is_fresh = plan.serial == document.serial == 0  # no state yet: lineages are still unborn
    if not is_fresh and (plan.lineage, plan.serial) != (document.lineage, document.serial):
        raise StalePlan(
            f"the plan was made from state serial {plan.serial} but state is now at serial "
            f"{document.serial}; run plan again"
        )
    started = context.clock()
    # A create an interrupted apply left pending stays so until the change that resolves it
    # (an adoption, a new create, an offboarding) lands: if this apply fails first, the next
    # plan must still know to look for what that create made.
    executing = {c.address for c in plan.changes if c.calls_platform}
    # what a create sent with a key since changed made may be offboarded at a stray address:
    # that offboarding is what resolves the create
    strays = {a.stray_of: a for a in executing if a.stray_of is not None}
    # a create sent with a since-changed key that the platform may still commit: its address
    # waits, and the next plan looks for it again
    waiting = {c.address for c in plan.changes if c.action is Action.WAIT}
    unresolved: dict[Address, list[str]] = {}
    landing: list[str] = []
    for op_id, op in document.pending.items():
        address = Address.parse(op.address)
        desired = context.desired.get(address)
        rekeyed = desired is not None and op.natural_key != desired.natural_key
        if rekeyed:
            address = strays.get(address, address)
        if op.action in _CREATING and address in executing:
            unresolved.setdefault(address, []).append(op_id)
        elif op.action in _CREATING and rekeyed and address in waiting:
            landing.append(op_id)
    kept = [i for ids in unresolved.values() for i in ids]
    journal.prepare(context.facts, moved=plan.moved, keep=[*kept, *landing])
    run = Run(journal, context, plan, unresolved=unresolved)
    try:
        run.execute()
    finally:
        total = sum(1 for c in plan.changes if c.calls_platform)
        done = run.progress
        reached = len(done.succeeded) + len(done.failed) + len(done.skipped) + len(done.waiting)
        context.sink(
            ApplyFinished(
                len(done.succeeded),
                len(done.failed),
                len(done.skipped),
                round(context.clock() - started, 3),
                waiting=len(done.waiting),
                not_attempted=max(total - reached, 0),
                total=total,
                moved=len(plan.moved),
            )
        )
    return ApplyResult(
        tuple(done.succeeded), dict(done.failed), tuple(done.skipped), tuple(done.waiting)
    )


_CREATING = frozenset({str(Action.CREATE), str(Action.REPLACE), str(Action.ENTITLE)})
"""Actions whose lost outcome the next plan resolves by looking the object up."""


__all__ = ["DEFAULT_WORKERS", "ApplyContext", "ApplyResult", "Capabilities", "apply_plan"]
