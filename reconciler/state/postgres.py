"""The PostgreSQL backend: a header row per workspace and a row per record (see
`postgres_state`), a session-level advisory lock with its holder recorded in `locks`, the
digest key in `keys` and the append-only audit trail in `audit`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import psycopg
from psycopg.types.json import Jsonb
from pydantic import ValidationError

from reconciler.errors import StateError, StateLocked
from reconciler.state import postgres_state, postgres_tables
from reconciler.state.backend import LockInfo
from reconciler.state.delta import StateDelta
from reconciler.state.encoding import RawDocument, StateHeader
from reconciler.state.liveness import Liveness
from reconciler.state.postgres_connection import (
    Connection,
    PostgresConnection,
    advisory_key,
    scalar,
)
from reconciler.state.postgres_schema import ADVISORY_HOLDERS

logger = logging.getLogger(__name__)

UNKNOWN_LOCK_ID = "unknown"
"""The id reported for a held lock whose holder row is missing or unreadable; it can still be
force-released."""

_KEY_BYTES = 32
_TERMINATE_WAIT_MS = 5000


@dataclass(frozen=True, slots=True)
class _LockState:
    info: LockInfo | None  # the recorded holder; None without a row
    pids: tuple[int, ...]  # server processes of the sessions holding the advisory lock


class PostgresBackend:
    """Tables `states`, `state_entries`, `locks`, `keys`, `audit` and `handout` in `schema`
    (created on first use).

    The lock is `pg_try_advisory_lock` taken on a connection kept open for the lock's lifetime,
    so it dies with the holder's session: a killed process never leaves a stuck lock, only a
    stale `locks` row, which is ignored. `force_release` deletes the holder's row and, when the
    holding session is still alive, ends it with `pg_terminate_backend` (found through
    `pg_locks`), which needs the same database role, `pg_signal_backend` or a superuser.
    """

    def __init__(self, dsn: str, *, workspace: str = "default", schema: str = "reconciler") -> None:
        self._db = PostgresConnection(dsn, workspace=workspace, schema=schema)
        self.workspace = workspace
        self.schema = schema
        self._lock_key = advisory_key(f"reconciler:{schema}:{workspace}")
        self._guard_key = advisory_key(f"reconciler-guard:{schema}:{workspace}")
        unsigned = self._lock_key & 0xFFFF_FFFF_FFFF_FFFF  # pg_locks shows it as two oids
        self._lock_key_halves = (unsigned >> 32, unsigned & 0xFFFF_FFFF)
        self._lock_connection: Connection | None = None
        self._lock_id: str | None = None

    def __repr__(self) -> str:
        return (
            f"PostgresBackend({self._db.location!r}, workspace={self.workspace!r}, "
            f"schema={self.schema!r})"
        )

    def read_bytes(self) -> bytes | None:
        """The workspace's document as canonical bytes, or None when there is none yet."""
        return postgres_state.read_bytes(self._db)

    def read_document(self) -> RawDocument | None:
        """The workspace's document decoded from one snapshot of its rows, or None."""
        return postgres_state.read_document(self._db)

    def read_header(self) -> StateHeader | None:
        """Lineage and serial of the workspace's header row, or None."""
        return postgres_state.read_header(self._db)

    def write_bytes(self, data: bytes, *, expected_serial: int | None, lineage: str) -> None:
        """Check serial and lineage under the header row's lock, then replace every row."""
        postgres_state.write_document(
            self._db, data, expected_serial=expected_serial, lineage=lineage
        )

    def write_delta(
        self,
        delta: StateDelta,
        *,
        expected_serial: int,
        lineage: str,
        document: Callable[[], Iterable[bytes]],
    ) -> None:
        """Check serial and lineage under the header row's lock, then write the changed rows."""
        postgres_state.write_delta(
            self._db, delta, expected_serial=expected_serial, lineage=lineage
        )

    def acquire(self, info: LockInfo) -> None:
        """Take the advisory lock on a connection of its own and record `info`, or raise
        StateLocked naming the holder."""
        with self._db.translated("take the state lock"):
            conn = self._db.connect()
            try:
                self._db.ensure_schema(conn)
                with conn.transaction():
                    self._guard(conn)
                    row = conn.execute("SELECT pg_try_advisory_lock(%s)", [self._lock_key])
                    if not scalar(row):
                        holder = self._lock_state(conn).info or _unrecorded_holder()
                        raise StateLocked(
                            holder=holder.describe(), since=holder.created_at, lock_id=holder.id
                        )
                    conn.execute(
                        self._db.sql(
                            "INSERT INTO {schema}.locks (workspace, info) VALUES (%s, %s)"
                            " ON CONFLICT (workspace) DO UPDATE SET info = excluded.info"
                        ),
                        [self.workspace, Jsonb(info.model_dump())],
                    )
            except BaseException:
                conn.close()
                raise
        self.close()
        self._lock_connection, self._lock_id = conn, info.id

    def release(self, lock_id: str) -> None:
        """Delete our holder row and end the lock's session, if the lock is still ours."""
        conn = self._lock_connection
        if conn is None or self._lock_id != lock_id:
            logger.warning("state lock %s was already released or taken over", lock_id)
            return
        try:
            with conn.transaction():
                self._guard(conn)
                conn.execute(
                    self._db.sql(
                        "DELETE FROM {schema}.locks WHERE workspace = %s AND info->>'id' = %s"
                    ),
                    [self.workspace, lock_id],
                )
                conn.execute("SELECT pg_advisory_unlock(%s)", [self._lock_key])
        except psycopg.Error:
            # The session is gone (force-released or a lost connection): so is the lock.
            logger.warning("state lock %s was lost before its release", lock_id)
        self.close()

    def force_release(self, lock_id: str) -> None:
        """Delete the holder row when `lock_id` names the current lock, and terminate the
        holding session if it is still alive; StateError otherwise."""
        with self._db.session("release the state lock") as conn, conn.transaction():
            state = self._lock_state(conn, is_for_update=True)
            current = state.info
            if current is None and state.pids:
                current = _unrecorded_holder()
            if current is None:
                raise StateError("state is not locked")
            if current.id != lock_id:
                raise StateError(f"lock id {lock_id} does not match the current lock {current.id}")
            conn.execute(
                self._db.sql("DELETE FROM {schema}.locks WHERE workspace = %s"), [self.workspace]
            )
            for pid in state.pids:
                logger.info("terminating PostgreSQL session %d holding state lock %s", pid, lock_id)
                conn.execute(
                    "SELECT pg_terminate_backend(%s::int, %s::int8)", [pid, _TERMINATE_WAIT_MS]
                )

    def liveness(self, info: LockInfo) -> tuple[Liveness, str]:
        """A holder `holder` reports has a live session: it holds the advisory lock."""
        return "alive", "its PostgreSQL session is active"

    def release_effect(self) -> str:
        return (
            "its PostgreSQL session is terminated (pg_terminate_backend); the holder stops "
            "before its next round of platform calls"
        )

    def lost(self, lock_id: str) -> str | None:
        """Why our advisory lock is gone: its session ended, or it no longer holds the lock."""
        conn = self._lock_connection
        if conn is None or self._lock_id != lock_id:
            return "it was released"
        try:
            pids = conn.execute(ADVISORY_HOLDERS, list(self._lock_key_halves)).fetchall()
        except psycopg.Error:
            return "its PostgreSQL session ended"
        if conn.info.backend_pid not in {int(pid) for (pid,) in pids}:
            return "its PostgreSQL session no longer holds it"
        return None

    def holder(self) -> LockInfo | None:
        """The recorded holder while some session holds the lock; None when it is free (a
        holder row without a session is stale and ignored)."""
        with self._db.session("read the state lock") as conn, conn.transaction():
            state = self._lock_state(conn)
        if not state.pids:
            return None
        return state.info or _unrecorded_holder()

    def secret_key(self, *, create: bool = True) -> bytes:
        """The workspace's random 32-byte key, inserted on first use if `create` (racing
        inserts share one)."""
        with self._db.session("read the state key") as conn:
            if create:
                conn.execute(
                    self._db.sql(
                        "INSERT INTO {schema}.keys (workspace, key) VALUES (%s, %s)"
                        " ON CONFLICT (workspace) DO NOTHING"
                    ),
                    [self.workspace, os.urandom(_KEY_BYTES)],
                )
            row = conn.execute(
                self._db.sql("SELECT key FROM {schema}.keys WHERE workspace = %s"), [self.workspace]
            )
            key = scalar(row)
        if key is None and not create:
            raise StateError(
                f"the state key of workspace {self.workspace!r} is missing, but the state was "
                "written with a key; restore it (no new key was made)"
            )
        if not isinstance(key, bytes) or len(key) != _KEY_BYTES:
            raise StateError(f"the state key of workspace {self.workspace!r} is corrupt")
        return key

    def append_audit(self, records: Sequence[tuple[str, bytes]]) -> None:
        """Insert one row per (trader, entry) in one transaction."""
        postgres_tables.append_audit(self._db, records)

    def read_audit(self, trader: str | None) -> list[bytes]:
        """The workspace's entries in the order they were appended, only `trader`'s if given."""
        return postgres_tables.read_audit(self._db, trader)

    def close(self) -> None:
        """Close the lock connection, if any: a lock still held ends with it."""
        conn, self._lock_connection, self._lock_id = self._lock_connection, None, None
        if conn is not None:
            conn.close()

    def _guard(self, conn: Connection) -> None:
        # Taking or releasing the lock and writing its row happen under this transaction lock,
        # so a reader never sees the lock held without its holder row.
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [self._guard_key])

    def _lock_state(self, conn: Connection, *, is_for_update: bool = False) -> _LockState:
        """The holder row and the lock's sessions; call inside a transaction."""
        self._guard(conn)
        lock = " FOR UPDATE" if is_for_update else ""
        row = conn.execute(
            self._db.sql("SELECT info FROM {schema}.locks WHERE workspace = %s" + lock),
            [self.workspace],
        ).fetchone()
        pids = conn.execute(ADVISORY_HOLDERS, list(self._lock_key_halves)).fetchall()
        info = None
        if row is not None:
            try:
                info = LockInfo.model_validate(row[0])
            except ValidationError:
                info = _unrecorded_holder()
        return _LockState(info=info, pids=tuple(int(pid) for (pid,) in pids))

    def append_handout(self, records: Sequence[tuple[str, bytes]]) -> None:
        """Keep sealed hand-out records (id, sealed bytes) until they are pulled."""
        postgres_tables.append_records(self._db, records)

    def pending_handout(self) -> list[tuple[str, bytes]]:
        """The sealed hand-out records not yet delivered, oldest first."""
        return postgres_tables.pending_records(self._db)

    def mark_handout_delivered(self, ids: Sequence[str], *, at: str) -> None:
        """Mark pulled records delivered (they are not handed out again)."""
        postgres_tables.mark_delivered(self._db, ids, at=at)


def _unrecorded_holder() -> LockInfo:
    unknown = "unknown"
    return LockInfo(
        id=UNKNOWN_LOCK_ID, user=unknown, host=unknown, pid=0, command=unknown, created_at=unknown
    )
