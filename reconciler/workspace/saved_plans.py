"""Saved plans at the edges: writing one after `plan --out`, reading one, and planning it again
under the state lock so apply executes exactly what it lists (or refuses, StalePlan)."""

from __future__ import annotations

from pathlib import Path

from reconciler.errors import ReconcilerError
from reconciler.files import write_atomically
from reconciler.plan import (
    Address,
    Change,
    Plan,
    PlanOptions,
    Remote,
    SavedPlan,
    check_saved,
    load_plan,
    match_saved,
    plan_pieces,
)
from reconciler.state import StateDocument
from reconciler.workspace.workspace import Workspace


def save_plan(
    path: Path, plan: Plan, *, options: PlanOptions, workspace: Workspace, document: StateDocument
) -> None:
    """Write `plan` (made from `document` with `options`) to `path`, atomically."""
    origin = workspace.origin(document)
    saved = SavedPlan(
        plan,
        options,
        firm=origin.firm,
        workspace=origin.workspace,
        values_digest=origin.values_digest,
        reconciler_version=origin.reconciler_version,
    )  # `plan` holds its no-ops: none are hidden (the file counts them in its summary)
    try:
        write_atomically(path, plan_pieces(saved))  # written as encoded, not held whole
    except OSError as exc:
        raise ReconcilerError(f"cannot write the plan to {path}: {exc.strerror}") from None


def read_saved_plan(path: Path) -> SavedPlan:
    """Read and parse a plan file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReconcilerError(f"cannot read {path}: {exc.strerror}") from None
    return load_plan(data)


def replan_saved(
    workspace: Workspace, saved: SavedPlan, document: StateDocument
) -> tuple[Plan, dict[Address, Remote], tuple[Change, ...]]:
    """Check the saved plan against state, manifests and program; refresh and plan again with
    its options; return the plan to execute, what refresh saw, and changes that appeared since
    (not executed). Raises StalePlan when the saved plan no longer tells the truth."""
    check_saved(saved, workspace.origin(document))
    fresh, remote = workspace.plan(document, options=saved.options)
    plan, appeared = match_saved(saved.plan, fresh)
    return plan, remote, appeared


def plan_to_apply(
    workspace: Workspace,
    document: StateDocument,
    *,
    saved: SavedPlan | None,
    options: PlanOptions,
) -> tuple[Plan, dict[Address, Remote], tuple[Change, ...]]:
    """The plan apply executes: a fresh one made with `options`, or the `saved` one checked
    against the world (with the changes that appeared since it was made, not executed)."""
    if saved is None:
        plan, remote = workspace.plan(document, options=options)
        return plan, remote, ()
    return replan_saved(workspace, saved, document)


__all__ = ["plan_to_apply", "read_saved_plan", "replan_saved", "save_plan"]
