"""Opening a workspace's state store alone, for the commands that only read or write state
(`state list`, `history`, the sandbox commands): neither the traders nor the providers are
loaded."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from reconciler.manifest import ProviderSchema, StateSettings, read_state_settings
from reconciler.state import StateStore
from reconciler.workspace.backends import StateChoice, open_backend


@contextmanager
def open_state(
    manifests: Path,
    *,
    choice: StateChoice | None = None,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[StateStore]:
    """The state store alone, for commands that only read state: the Firm's state settings
    are read without the traders, so no other reference's variable needs to be set."""
    environ = dict(os.environ) if environ is None else environ
    settings = read_state_settings(manifests, schemas=_schemas, environ=environ)
    root = manifests.resolve().parent
    store = state_store(settings, root, choice=choice, environ=environ, clock=clock, sleep=sleep)
    try:
        yield store
    finally:
        store.close()


def state_store(
    settings: StateSettings,
    root: Path,
    *,
    choice: StateChoice | None,
    environ: Mapping[str, str],
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> StateStore:
    """The store of the backend the Firm's state `settings` name (or `choice` overrides), for
    the manifests folder's parent `root`: the one way every opening makes it."""
    backend = open_backend(settings, root=root, choice=choice or StateChoice(), environ=environ)
    return StateStore(backend, clock=clock, sleep=sleep)


def sandbox_dir(manifests: Path, *, environ: Mapping[str, str] | None = None) -> Path:
    """Where the embedded sandboxes keep their data: `sandbox/` in the Firm's local state
    directory (`state/sandbox` beside the manifests when there are none)."""
    environ = dict(os.environ) if environ is None else environ
    path = "state"
    if manifests.is_dir():
        path = read_state_settings(manifests, schemas=_schemas, environ=environ).path
    return sandbox_data(manifests.resolve().parent, path)


def sandbox_data(root: Path, state_path: str) -> Path:
    """The embedded sandboxes' data folder: `sandbox/` in the local state directory
    `state_path` of the manifests folder's parent `root`."""
    return root / state_path / "sandbox"


def _schemas() -> Mapping[str, ProviderSchema]:
    """Every provider's manifest schema, for the full load when the Firm cannot be read alone
    (only then are the providers imported)."""
    from reconciler.providers import schemas

    return schemas()


__all__ = ["open_state", "sandbox_data", "sandbox_dir", "state_store"]
