"""State: the recorded resources of a workspace, stored through a backend with a lock."""

from __future__ import annotations

from reconciler.state.audit import AuditEntry, Outcome, Provenance
from reconciler.state.document import (
    FORMAT_VERSION,
    MIGRATIONS,
    PendingOperation,
    ResourceState,
    StateDocument,
    StateEditor,
    key_check,
    keyed_digest,
)
from reconciler.state.local import LocalBackend
from reconciler.state.manual import check_push, move_addresses, remove_addresses
from reconciler.state.postgres import PostgresBackend
from reconciler.state.store import Backend, LockInfo, StateStore

__all__ = [
    "FORMAT_VERSION",
    "MIGRATIONS",
    "AuditEntry",
    "Backend",
    "LocalBackend",
    "LockInfo",
    "Outcome",
    "PendingOperation",
    "PostgresBackend",
    "Provenance",
    "ResourceState",
    "StateDocument",
    "StateEditor",
    "StateStore",
    "check_push",
    "key_check",
    "keyed_digest",
    "move_addresses",
    "remove_addresses",
]
