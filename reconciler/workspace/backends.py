"""Choosing a workspace's state backend: the Firm's `settings.state`, overridden by
`--backend`/`--workspace` (or RECONCILER_BACKEND / RECONCILER_WORKSPACE), with the PostgreSQL
DSN taken from the settings or RECONCILER_PG_DSN."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.errors import StateError

if TYPE_CHECKING:
    from reconciler.manifest import StateSettings
    from reconciler.state import Backend

DSN_ENV = "RECONCILER_PG_DSN"
BACKENDS = ("local", "postgres")


@dataclass(frozen=True, slots=True)
class StateChoice:
    """Overrides of the manifests' state settings (None: keep the manifests' value)."""

    backend: str | None = None
    workspace: str | None = None


def open_backend(
    settings: StateSettings, *, root: Path, choice: StateChoice, environ: Mapping[str, str]
) -> Backend:
    """The backend the settings and overrides name; StateError for an unknown backend, a bad
    workspace name or a postgres backend without a DSN."""
    from reconciler.manifest import WORKSPACE_NAME  # loaded by the commands that use state
    from reconciler.state import LocalBackend

    backend = choice.backend or settings.backend
    workspace = choice.workspace or settings.workspace
    if backend not in BACKENDS:
        raise StateError(f"unknown state backend {backend!r} (known: {', '.join(BACKENDS)})")
    if not WORKSPACE_NAME.match(workspace):
        raise StateError(
            f"invalid workspace name {workspace!r}: letters, digits, '-' and '_', "
            "starting with a letter or digit"
        )
    if backend == "local":
        return LocalBackend(root / settings.path, workspace=workspace)
    dsn = settings.dsn.get_secret_value() if settings.dsn is not None else environ.get(DSN_ENV)
    if not dsn:
        raise StateError(
            f"the postgres state backend needs a DSN: set settings.state.dsn in the Firm "
            f"manifest (e.g. ${{env:{DSN_ENV}}}) or the {DSN_ENV} environment variable"
        )
    from reconciler.state import PostgresBackend  # psycopg is loaded for this backend only

    return PostgresBackend(dsn, workspace=workspace, schema=settings.schema_name)


__all__ = ["BACKENDS", "DSN_ENV", "StateChoice", "open_backend"]
