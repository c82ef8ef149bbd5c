"""State: the recorded resources of a workspace, stored through a backend with a lock."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.state.audit import AuditEntry, Outcome, Provenance
from reconciler.state.backend import Backend, LockInfo
from reconciler.state.digests import key_check, keyed_digest
from reconciler.state.document import (
    FORMAT_VERSION,
    PendingOperation,
    ResourceState,
    StateDocument,
    StateEditor,
)
from reconciler.state.local import LocalBackend
from reconciler.state.manual import check_push, move_addresses, remove_addresses
from reconciler.state.migrations import MIGRATIONS
from reconciler.state.record_parts import RecordParts, Stamps, decoded_parts, since_of, stamps_of
from reconciler.state.store import StateStore

if TYPE_CHECKING:
    from reconciler.state.postgres import PostgresBackend


def __getattr__(name: str) -> Any:
    """`PostgresBackend` on first use: psycopg is loaded only by a run that uses PostgreSQL."""
    if name == "PostgresBackend":
        from reconciler.state.postgres import PostgresBackend

        return PostgresBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    "RecordParts",
    "ResourceState",
    "Stamps",
    "StateDocument",
    "StateEditor",
    "StateStore",
    "check_push",
    "decoded_parts",
    "key_check",
    "keyed_digest",
    "move_addresses",
    "remove_addresses",
    "since_of",
    "stamps_of",
]
