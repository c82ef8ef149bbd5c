"""State: the recorded resources of a workspace, stored through a backend with a lock."""

from __future__ import annotations

from reconciler.state.document import (
    FORMAT_VERSION,
    PendingOperation,
    ResourceState,
    StateDocument,
    StateEditor,
    keyed_digest,
)
from reconciler.state.local import LocalBackend
from reconciler.state.store import Backend, LockInfo, StateStore

__all__ = [
    "FORMAT_VERSION",
    "Backend",
    "LocalBackend",
    "LockInfo",
    "PendingOperation",
    "ResourceState",
    "StateDocument",
    "StateEditor",
    "StateStore",
    "keyed_digest",
]
