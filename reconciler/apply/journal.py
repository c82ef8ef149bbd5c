"""The apply journal: intent written to state before each platform call, outcome after."""

from __future__ import annotations

import functools
import math
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from reconciler.apply.events import ItemApplied
from reconciler.plan import Address, Move
from reconciler.state import (
    AuditEntry,
    Outcome,
    PendingOperation,
    Provenance,
    ResourceState,
    StateDocument,
    StateStore,
)

_Audited = tuple[Address, str, Outcome, str | None, str | None]
"""(address, action, outcome, remote id, error) of one audited item."""


def utc_now(clock: Callable[[], float]) -> str:
    """An ISO-8601 UTC timestamp, to the second, from an injectable clock."""
    return _stamp(math.floor(clock()))


@functools.lru_cache(maxsize=8)  # an apply stamps thousands of records within one second
def _stamp(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).isoformat().replace("+00:00", "Z")


class Journal:
    """Owns the working state document during apply and writes it at each step.

    Invariant: every platform call is preceded by a state write listing its pending
    operations, and followed by one recording its results and clearing them, so a crash
    at any point leaves state that the next plan can resolve by natural key. Each result is
    appended to the audit trail before the state write that records it.
    """

    def __init__(
        self,
        store: StateStore,
        document: StateDocument,
        *,
        clock: Callable[[], float],
        provenance: Provenance | None = None,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex[:12],
    ) -> None:
        self._store = store
        self._provenance = provenance
        self._document = document
        self._editor = document.edit()
        self._clock = clock
        self._new_id = new_id
        self._dirty = False
        self._lock = threading.RLock()  # platforms are applied from several threads

    @property
    def document(self) -> StateDocument:
        return self._document

    def record(self, address: Address) -> ResourceState | None:
        """The current record of an address, including this apply's writes."""
        with self._lock:
            return self._editor.get(str(address))

    def prepare(
        self,
        facts: Mapping[Address, Mapping[str, Any]],
        *,
        moved: Sequence[Move] = (),
        keep: Iterable[str] = (),
    ) -> None:
        """Re-address `moved` records, clear pending operations of an earlier run (the plan
        resolved them) but those in `keep` (cleared by `finish` once the change resolving them
        landed), and remember facts the refresh observed on recorded objects; one write if
        anything changed."""
        self._store.check_lock()
        with self._lock:
            self._move(moved)
            self._prepare(facts, frozenset(keep))

    def _move(self, moved: Sequence[Move]) -> None:
        # all sources out before any target in: a swap of two traders moves both records
        records = [(old, new, self._editor.get(str(old))) for old, new in moved]
        done: list[_Audited] = []
        for old, _, record in records:
            if record is not None:
                self._editor.remove(str(old))
        for old, new, record in records:
            if record is not None:
                self._editor.put(str(new), record)
                done.append((new, f"move from {old}", "ok", record.remote_id, None))
        if done:
            self._audit(done)
            self._document = self._editor.snapshot()
            self._dirty = True

    def _prepare(self, facts: Mapping[Address, Mapping[str, Any]], keep: frozenset[str]) -> None:
        current = self._document
        resolved = [op_id for op_id in current.pending if op_id not in keep]
        if resolved:
            self._editor.clear_pending(resolved)
            self._dirty = True
        records = current.resources
        for address, observed in facts.items():
            text = str(address)
            raw = records.raw.get(text)
            if raw is None or not observed:
                continue
            record = records.passing(text, raw)  # looked at, not kept: most are unchanged
            merged = {**record.facts, **observed}
            if merged != record.facts:
                self._editor.put(str(address), record.model_copy(update={"facts": merged}))
                self._dirty = True
        if self._dirty:
            self._flush()

    def begin(self, operations: Iterable[tuple[Address, str, str]]) -> list[str]:
        """Record intent: (address, action, natural key) per item; returns operation ids."""
        self._store.check_lock()  # a lost lock stops us before the calls this intent announces
        ids = []
        # to the millisecond: the next plan waits a few seconds for a create it cannot see yet
        started = datetime.fromtimestamp(self._clock(), UTC).isoformat(timespec="milliseconds")
        with self._lock:
            for address, action, natural_key in operations:
                op_id = self._new_id()
                self._editor.add_pending(
                    PendingOperation(
                        id=op_id,
                        address=str(address),
                        action=action,
                        natural_key=natural_key,
                        started_at=started,
                    )
                )
                ids.append(op_id)
            self._flush()
        return ids

    def put(
        self,
        address: Address,
        *,
        remote_id: str,
        natural_key: str,
        attributes: Mapping[str, Any],
        facts: Mapping[str, Any],
    ) -> None:
        record = ResourceState(
            remote_id=remote_id,
            natural_key=natural_key,
            attributes=dict(attributes),
            facts=dict(facts),
            updated_at=utc_now(self._clock),
        )
        with self._lock:
            self._editor.put(str(address), record)

    def remove(self, address: Address) -> None:
        with self._lock:
            self._editor.remove(str(address))

    def finish(self, operation_ids: Iterable[str], *, applied: Sequence[ItemApplied] = ()) -> None:
        """Record outcome: append `applied` to the audit trail, then clear the batch's pending
        operations and write."""
        self._audit(
            (e.address, str(e.action), "ok" if e.ok else "failed", e.remote_id, e.error)
            for e in applied
        )
        with self._lock:
            self._editor.clear_pending(list(operation_ids))
            self._flush()

    def audit_unknown(self, items: Iterable[tuple[Address, str]], error: str) -> None:
        """Audit calls whose answer was lost (their intent stays pending in state)."""
        self._audit((address, action, "unknown", None, error) for address, action in items)

    def _audit(self, outcomes: Iterable[_Audited]) -> None:
        if self._provenance is None:
            return
        at = utc_now(self._clock)
        entries = [
            AuditEntry.of(
                self._provenance,
                at=at,
                trader=address.trader,
                address=str(address),
                action=action,
                outcome=outcome,
                remote_id=remote_id,
                error=error,
            )
            for address, action, outcome, remote_id, error in outcomes
        ]
        if entries:
            self._store.append_audit(entries)

    def _flush(self) -> None:
        self._document = self._store.write(self._editor.snapshot())
        self._editor = self._document.edit()
        self._dirty = False
