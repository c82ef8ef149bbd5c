"""The contract every state backend fulfils (`Backend`: bytes with a compare-and-swap, a lock,
the digest key, the audit trail and the hand-out), the lock holder's description, and the
compare-and-swap rule itself."""

from __future__ import annotations

import getpass
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict

from reconciler.errors import StateConflict
from reconciler.state.encoding import RawDocument, StateHeader, parse_header
from reconciler.state.liveness import Liveness, process_start

if TYPE_CHECKING:
    from reconciler.state.delta import StateDelta


class LockInfo(BaseModel):
    """Who holds a workspace lock, and since when (`created_at`, ISO 8601 UTC)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    user: str
    host: str
    pid: int
    command: str
    created_at: str
    started: int | None = None  # the process's start time (pid reuse shows as another one)

    @classmethod
    def current(cls, command: str, *, clock: Callable[[], float] = time.time) -> LockInfo:
        """A lock description for this process running `command`, with a fresh id."""
        return cls(
            id=str(uuid.uuid4()),
            user=_user_name(),
            host=socket.gethostname(),
            pid=os.getpid(),
            started=process_start(os.getpid()),
            command=command,
            created_at=datetime.fromtimestamp(clock(), tz=UTC).isoformat(timespec="seconds"),
        )

    def describe(self) -> str:
        """A one-line holder description for messages: `user@host (pid 123, apply)`."""
        return f"{self.user}@{self.host} (pid {self.pid}, {self.command})"


class Backend(Protocol):
    """Dumb storage for one workspace: a document with a compare-and-swap, a lock and a key.

    Backends never interpret the document beyond its header and its maps of entries by key;
    everything else (serial bumps, new lineages, migrations) is `StateStore`'s. A write
    stores either a whole document or a delta, with the same compare-and-swap.
    """

    workspace: str

    def read_bytes(self) -> bytes | None:
        """The stored document as canonical bytes, or None when nothing was ever stored."""
        ...

    def read_document(self) -> RawDocument | None:
        """The stored document decoded (records as JSON objects), or None."""
        ...

    def read_header(self) -> StateHeader | None:
        """Lineage and serial of the stored document (what a write's compare-and-swap checks),
        without reading the rest of it; None when nothing was ever stored."""
        ...

    def write_bytes(self, data: bytes, *, expected_serial: int | None, lineage: str) -> None:
        """Store the whole document `data` if the stored serial is `expected_serial` (None:
        nothing stored yet) and the stored lineage is `lineage`; raise StateConflict otherwise."""
        ...

    def write_delta(
        self,
        delta: StateDelta,
        *,
        expected_serial: int,
        lineage: str,
        document: Callable[[], Iterable[bytes]],
    ) -> None:
        """Store `delta` over the stored serial `expected_serial` of `lineage` (StateConflict
        otherwise); `document` gives the whole new document to a backend that would rather
        rewrite it (compaction)."""
        ...

    def acquire(self, info: LockInfo) -> LockInfo | None:
        """Take the workspace lock as `info`, or raise StateLocked naming the holder; returns
        the holder of a lock taken over because its process is provably gone, if any."""
        ...

    def release(self, lock_id: str) -> None:
        """Give back our lock; a lock that is no longer ours is left alone."""
        ...

    def force_release(self, lock_id: str) -> None:
        """Explicit unlock; StateError when `lock_id` is not the current lock's id."""
        ...

    def liveness(self, info: LockInfo) -> tuple[Liveness, str]:
        """Whether the current holder `info` is alive, and why we think so (a phrase)."""
        ...

    def release_effect(self) -> str:
        """What `force_release` does to a holder still running (a phrase, for the user)."""
        ...

    def lost(self, lock_id: str) -> str | None:
        """Why our lock `lock_id` is no longer held (a phrase), or None while it is."""
        ...

    def holder(self) -> LockInfo | None:
        """The current lock holder, or None when unlocked."""
        ...

    def secret_key(self, *, create: bool = True) -> bytes:
        """The workspace's key for keyed digests, created on first use (StateError instead
        when it is missing and not `create`)."""
        ...

    def append_audit(self, records: Sequence[tuple[str, bytes]]) -> None:
        """Append (trader, entry) records to the trail durably, in order; never rewrite it."""
        ...

    def read_audit(self, trader: str | None) -> list[bytes]:
        """The stored entries in append order, only `trader`'s when given."""
        ...

    def append_handout(self, records: Sequence[tuple[str, bytes]]) -> None:
        """Keep sealed hand-out records (id, sealed bytes) until they are pulled."""
        ...

    def pending_handout(self) -> list[tuple[str, bytes]]:
        """The sealed hand-out records not yet delivered, oldest first."""
        ...

    def mark_handout_delivered(self, ids: Sequence[str], *, at: str) -> None:
        """Mark pulled records delivered (they are not handed out again)."""
        ...

    def close(self) -> None:
        """Give back connections (a lock still held ends with them)."""
        ...


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def check_swap(current: bytes | None, *, expected_serial: int | None, lineage: str) -> None:
    """`check_header` of stored bytes."""
    header = None if current is None else parse_header(current)
    check_header(header, expected_serial=expected_serial, lineage=lineage)


def check_header(header: StateHeader | None, *, expected_serial: int | None, lineage: str) -> None:
    """The compare-and-swap rule every backend applies to the stored header before a write:
    StateConflict unless it is still at `expected_serial` (None: nothing stored) and
    `lineage`."""
    if header is None:
        if expected_serial is not None:
            raise StateConflict(f"expected state serial {expected_serial} but no state is stored")
        return
    if header.lineage != lineage:
        raise StateConflict(f"state lineage {header.lineage} does not match {lineage}")
    if expected_serial is None:
        raise StateConflict(f"state was created meanwhile (serial {header.serial})")
    if header.serial != expected_serial:
        raise StateConflict(
            f"state serial is {header.serial}, expected {expected_serial}: it changed meanwhile"
        )


__all__ = ["Backend", "LockInfo", "check_header", "check_swap"]
