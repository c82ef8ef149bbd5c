"""The apply journal: intent written to state before each platform call, outcome after."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from reconciler.plan.address import Address
from reconciler.state import PendingOperation, ResourceState, StateDocument, StateStore


def utc_now(clock: Callable[[], float]) -> str:
    """An ISO-8601 UTC timestamp from an injectable clock."""
    return datetime.fromtimestamp(clock(), UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Journal:
    """Owns the working state document during apply and writes it at each step.

    Invariant: every platform call is preceded by a state write listing its pending
    operations, and followed by one recording its results and clearing them, so a crash
    at any point leaves state that the next plan can resolve by natural key.
    """

    def __init__(
        self,
        store: StateStore,
        document: StateDocument,
        *,
        clock: Callable[[], float],
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex[:12],
    ) -> None:
        self._store = store
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
        self, facts: Mapping[Address, Mapping[str, Any]], *, keep: Iterable[str] = ()
    ) -> None:
        """Clear pending operations of an earlier run (the plan resolved them) but those in
        `keep` (cleared by `finish` once the change resolving them landed), and remember
        facts the refresh observed on recorded objects; one write if anything changed."""
        with self._lock:
            self._prepare(facts, frozenset(keep))

    def _prepare(self, facts: Mapping[Address, Mapping[str, Any]], keep: frozenset[str]) -> None:
        current = self._document
        resolved = [op_id for op_id in current.pending if op_id not in keep]
        if resolved:
            self._editor.clear_pending(resolved)
            self._dirty = True
        for address, observed in facts.items():
            record = current.resources.get(str(address))
            if record is None or not observed:
                continue
            merged = {**record.facts, **observed}
            if merged != record.facts:
                self._editor.put(str(address), record.model_copy(update={"facts": merged}))
                self._dirty = True
        if self._dirty:
            self._flush()

    def begin(self, operations: Iterable[tuple[Address, str, str]]) -> list[str]:
        """Record intent: (address, action, natural key) per item; returns operation ids."""
        ids = []
        started = utc_now(self._clock)
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
        attributes: Mapping[str, Any],
        facts: Mapping[str, Any],
    ) -> None:
        record = ResourceState(
            remote_id=remote_id,
            attributes=dict(attributes),
            facts=dict(facts),
            updated_at=utc_now(self._clock),
        )
        with self._lock:
            self._editor.put(str(address), record)

    def remove(self, address: Address) -> None:
        with self._lock:
            self._editor.remove(str(address))

    def finish(self, operation_ids: Iterable[str]) -> None:
        """Record outcome: clear the batch's pending operations and write."""
        with self._lock:
            self._editor.clear_pending(list(operation_ids))
            self._flush()

    def _flush(self) -> None:
        self._document = self._store.write(self._editor.snapshot())
        self._editor = self._document.edit()
        self._dirty = False
