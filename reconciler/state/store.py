"""The state store: serial bumps, lineage checks and lock waiting over a dumb `Backend`
that only stores bytes with a compare-and-swap, holds a lock, keeps the digest key and appends
to the audit trail.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from reconciler.errors import LockLost, StateError, StateLocked
from reconciler.state.audit import AuditEntry, Provenance, iter_entries, parse_entries
from reconciler.state.backend import Backend, LockInfo
from reconciler.state.delta import delta_between
from reconciler.state.document import StateDocument
from reconciler.state.liveness import Liveness

logger = logging.getLogger(__name__)

KEY_ENV = "RECONCILER_STATE_KEY"
"""Environment variable holding the digest key (hex); overrides the backend's key."""

LOCK_RETRY_SECONDS = 0.5
_MIN_KEY_BYTES = 16


class StateStore:
    """Reads and writes state documents through a backend; the only place serials change."""

    def __init__(
        self,
        backend: Backend,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._backend = backend
        self._clock = clock
        self._sleep = sleep
        self._held: str | None = None  # the id of the lock this store holds
        self._stored: StateDocument | None = None  # exactly what was last read or written

    @property
    def backend(self) -> Backend:
        """The storage below (for what is kept beside state: sealed hand-out records)."""
        return self._backend

    @property
    def workspace(self) -> str:
        """The name of the workspace this store reads and writes."""
        return self._backend.workspace

    def read(self, *, reuse: bool = False) -> StateDocument:
        """The stored document, or a new empty one (fresh lineage, serial 0).

        With `reuse`, the document this store last read or wrote is returned again when the
        stored header still names its lineage and serial (every write bumps the serial, so a
        write by anyone else shows), without reading and decoding the whole document."""
        stored = self._stored
        if reuse and stored is not None:
            header = self._backend.read_header()
            if header is not None and (header.lineage, header.serial) == (
                stored.lineage,
                stored.serial,
            ):
                return stored
        self._stored = None  # not held while another is read
        raw = self._backend.read_document()
        if raw is None:
            self._stored = None
            return StateDocument.new()
        document, is_stored = StateDocument.from_stored(raw)
        self._stored = document if is_stored else None
        return document

    def release(self, document: StateDocument) -> None:
        """Let the records of `document` go (see `Records.release`), for a run that has read
        all it needs of them and writes nothing; this store forgets the document, so that no
        later read or write takes what is left of it for what is stored."""
        if self._stored is document:
            self._stored = None
        document.resources.release()

    def write(self, doc: StateDocument) -> StateDocument:
        """Store `doc` as serial `doc.serial + 1` provided the stored state is still `doc`'s
        serial and lineage (StateConflict otherwise); returns the written document.

        When `doc` derives from the document this store last read or wrote, only what changed
        since is written (a delta); otherwise the whole document."""
        written = doc.model_copy(update={"serial": doc.serial + 1})
        expected = doc.serial if doc.serial > 0 else None
        stored, self._stored = self._stored, None  # unknown until the write succeeds
        if (
            stored is not None
            and expected is not None
            and (stored.lineage, stored.serial) == (doc.lineage, doc.serial)
        ):
            self._backend.write_delta(
                delta_between(stored, written),
                expected_serial=expected,
                lineage=doc.lineage,
                document=written.to_chunks,
            )
        else:
            self._backend.write_bytes(
                written.to_bytes(), expected_serial=expected, lineage=doc.lineage
            )
        self._stored = written
        logger.debug("wrote state serial %d (lineage %s)", written.serial, written.lineage)
        return written

    def replace(self, current: StateDocument, pushed: StateDocument) -> StateDocument:
        """Store `pushed` whole over `current` (which must still be stored), with a serial
        above both so every earlier copy is refused from then on; returns the written document."""
        written = pushed.model_copy(update={"serial": max(current.serial, pushed.serial) + 1})
        expected = current.serial if current.serial > 0 else None
        self._stored = None
        self._backend.write_bytes(
            written.to_bytes(), expected_serial=expected, lineage=current.lineage
        )
        self._stored = written
        return written

    @contextmanager
    def lock(self, *, command: str, timeout: float = 0.0) -> Iterator[LockInfo]:
        """Hold the workspace lock for the block, retrying every 0.5 s for up to `timeout`
        seconds before raising StateLocked."""
        info = LockInfo.current(command, clock=self._clock)
        deadline = self._clock() + timeout
        while True:
            try:
                taken = self._backend.acquire(info)
                break
            except StateLocked:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    raise
                self._sleep(min(LOCK_RETRY_SECONDS, remaining))
        logger.debug("acquired state lock %s for %s", info.id, command)
        if taken is not None:
            self._record_takeover(info, taken)
        self._held = info.id
        try:
            yield info
        finally:
            self._held = None
            self._backend.release(info.id)
            logger.debug("released state lock %s", info.id)

    def _record_takeover(self, info: LockInfo, taken: LockInfo) -> None:
        """One line for the user, one entry in the audit trail."""
        why = self._backend.liveness(taken)[1]
        line = f"took over the state lock {taken.id} of {taken.describe()} ({why})"
        logger.warning("%s", line)
        at = datetime.fromtimestamp(self._clock(), tz=UTC).isoformat(timespec="seconds")
        provenance = Provenance(actor=f"{info.user}@{info.host}", command=info.command)
        entry = AuditEntry.of(
            provenance, at=at, trader="", address="state", action=line, outcome="ok"
        )
        self.append_audit([entry])

    def holder(self) -> LockInfo | None:
        """The current lock holder, or None when unlocked."""
        return self._backend.holder()

    def liveness(self, info: LockInfo) -> tuple[Liveness, str]:
        """Whether the holder `info` is alive (`unknown` when that cannot be known), and why."""
        return self._backend.liveness(info)

    def release_effect(self) -> str:
        return self._backend.release_effect()

    def check_lock(self) -> None:
        """Raise LockLost when the lock this store took is no longer held (its PostgreSQL
        session ended, or it was force-released); nothing when no lock is held here."""
        held = self._held
        if held is None:
            return
        reason = self._backend.lost(held)
        if reason is not None:
            raise LockLost(
                f"the state lock was lost ({reason}): another apply may be running; stopped "
                "before the next round of platform calls (what was in flight is recorded as "
                "pending in state); run plan again"
            )

    def unlock(self, lock_id: str) -> None:
        """Explicitly release a lock left by a process that is gone."""
        self._backend.force_release(lock_id)
        logger.info("force-released state lock %s", lock_id)

    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        """Append entries to the workspace's audit trail."""
        self._backend.append_audit([(entry.trader, entry.to_bytes()) for entry in entries])

    def history(self, trader: str | None = None) -> list[AuditEntry]:
        """The audit trail in the order it was written, only `trader`'s when given."""
        return parse_entries(self._backend.read_audit(trader))

    def iter_history(self, trader: str | None = None, *, holding: str = "") -> Iterator[AuditEntry]:
        """`history`, read now and parsed as the entries are taken (a large trail is not held
        as entries), of the stored lines holding `holding` only (see `iter_entries`)."""
        lines = self._backend.read_audit(trader)
        return iter_entries(lines, holding=holding.encode("utf-8"))

    def close(self) -> None:
        self._backend.close()

    def secret_key(self, *, create: bool = True) -> bytes:
        """The key for `keyed_digest`: RECONCILER_STATE_KEY (hex) if set, else the backend's
        (created when missing only with `create`: a state written with a key needs that one)."""
        text = os.environ.get(KEY_ENV)
        if text is None:
            return self._backend.secret_key(create=create)
        try:
            key = bytes.fromhex(text.strip())
        except ValueError:
            key = b""
        if len(key) < _MIN_KEY_BYTES:
            raise StateError(
                f"{KEY_ENV} must be at least {_MIN_KEY_BYTES * 2} hexadecimal digits (0-9, "
                "a-f), e.g. the content of the state key file or `openssl rand -hex 32`"
            )
        return key


__all__ = ["KEY_ENV", "LOCK_RETRY_SECONDS", "StateStore"]
