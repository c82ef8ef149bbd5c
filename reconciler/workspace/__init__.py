"""Orchestration: one workspace run (open the state backend and the providers, refresh, plan,
apply, import) and the business rules that span stages, a small module each.

Names are imported on first use, so a command that needs only `StateChoice` does not load
every provider."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.lazy import lazy_getattr

if TYPE_CHECKING:
    from reconciler.workspace.backends import BACKENDS, StateChoice, open_backend
    from reconciler.workspace.declared import Declared
    from reconciler.workspace.desired import expand_consuming, traders_declaring
    from reconciler.workspace.opening import declaring, open_workspace
    from reconciler.workspace.provenance import git_commit, provenance
    from reconciler.workspace.records import follow_renamed_traders
    from reconciler.workspace.saved_plans import (
        plan_to_apply,
        read_saved_plan,
        replan_saved,
        save_plan,
    )
    from reconciler.workspace.state_only import open_state, sandbox_data, sandbox_dir
    from reconciler.workspace.version import DISTRIBUTION, reconciler_version
    from reconciler.workspace.workspace import Workspace

_HOMES = {
    "BACKENDS": "backends",
    "Declared": "declared",
    "DISTRIBUTION": "version",
    "declaring": "opening",
    "StateChoice": "backends",
    "Workspace": "workspace",
    "expand_consuming": "desired",
    "follow_renamed_traders": "records",
    "git_commit": "provenance",
    "open_backend": "backends",
    "open_state": "state_only",
    "open_workspace": "opening",
    "provenance": "provenance",
    "plan_to_apply": "saved_plans",
    "read_saved_plan": "saved_plans",
    "reconciler_version": "version",
    "sandbox_data": "state_only",
    "sandbox_dir": "state_only",
    "replan_saved": "saved_plans",
    "save_plan": "saved_plans",
    "traders_declaring": "desired",
}


__getattr__ = lazy_getattr(__name__, _HOMES)


__all__ = [
    "BACKENDS",
    "DISTRIBUTION",
    "Declared",
    "StateChoice",
    "Workspace",
    "declaring",
    "expand_consuming",
    "follow_renamed_traders",
    "git_commit",
    "open_backend",
    "open_state",
    "open_workspace",
    "plan_to_apply",
    "provenance",
    "read_saved_plan",
    "reconciler_version",
    "replan_saved",
    "sandbox_data",
    "sandbox_dir",
    "save_plan",
    "traders_declaring",
]
