"""Orchestration: one workspace run (open the state backend and the providers, refresh, plan,
apply, import) and the business rules that span stages."""

from __future__ import annotations

from reconciler.workspace.workspace import (
    DISTRIBUTION,
    Workspace,
    desired_resources,
    open_workspace,
    reconciler_version,
)

__all__ = ["DISTRIBUTION", "Workspace", "desired_resources", "open_workspace", "reconciler_version"]
