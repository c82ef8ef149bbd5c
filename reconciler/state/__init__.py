"""State: the recorded resources of a workspace, stored through a backend with a lock."""

from __future__ import annotations

from reconciler.state.document import (
    FORMAT_VERSION,
    PendingOperation,
    ResourceState,
    StateDocument,
    StateEditor,
    key_check,
    keyed_digest,
)
from reconciler.state.local import LocalBackend
from reconciler.state.postgres import PostgresBackend
from reconciler.state.store import Backend, LockInfo, StateStore

__all__ = [
    "FORMAT_VERSION",
    "Backend",
    "LocalBackend",
    "LockInfo",
    "PendingOperation",
    "PostgresBackend",
    "ResourceState",
    "StateDocument",
    "StateEditor",
    "StateStore",
    "key_check",
    "keyed_digest",
]
