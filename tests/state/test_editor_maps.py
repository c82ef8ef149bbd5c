"""The editor copies each map (records, pending operations) only when that map changes, so
journaling an operation at a large firm copies no record map, and a write still finds the
records changed since the document the store last read; a journal line's header is read
without its records."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import StateError
from reconciler.state import (
    LocalBackend,
    PendingOperation,
    ResourceState,
    StateDocument,
    StateStore,
)
from reconciler.state.delta import delta_between, header_of_line
from reconciler.state.encoding import StateHeader

OP = PendingOperation(
    id="op-1", address="tradovate_user.t1", action="update", natural_key="t1", started_at="s"
)


def record(index: int, *, signed: bool = False) -> ResourceState:
    return ResourceState(
        remote_id=str(100 + index),
        natural_key=f"t{index}",
        attributes={"name": f"t{index}"},
        facts={"mda_signed": True} if signed else {},
        updated_at="2026-01-01T00:00:00Z",
        created_at="2026-01-01T00:00:00Z",
    )


def seeded() -> StateDocument:
    editor = StateDocument.new().edit()
    for index in range(60):  # enough for a change to go to the journal
        editor.put(f"tradovate_user.t{index}", record(index))
    return editor.snapshot()


def test_journaling_an_operation_keeps_the_records_object() -> None:
    source = seeded()
    editor = source.edit()

    editor.add_pending(OP)
    snapshot = editor.snapshot()

    assert snapshot.resources is source.resources
    assert set(snapshot.pending) == {"op-1"}
    assert source.pending == {}


def test_clearing_operations_keeps_the_records_object() -> None:
    editor = seeded().edit()
    editor.add_pending(OP)
    journaled = editor.snapshot()

    again = journaled.edit()
    again.clear_pending(["op-1"])

    assert again.snapshot().resources is journaled.resources
    assert journaled.pending.keys() == {"op-1"}


def test_a_record_change_then_an_operation_writes_only_that_record(tmp_path: Path) -> None:
    """Two edits between the read and the write (a fact remembered, then an operation
    journaled): the write still carries just the one record that changed."""
    store = StateStore(LocalBackend(tmp_path, journal_from=0))
    read = store.write(seeded())
    remembered = read.edit()
    remembered.put("tradovate_user.t1", record(1, signed=True))
    journaled = remembered.snapshot().edit()
    journaled.add_pending(OP)

    store.write(journaled.snapshot())

    lines = (tmp_path / "default.state.journal").read_bytes().splitlines()
    assert len(lines) == 1
    assert b'tradovate_user.t1"' in lines[0]
    assert b'tradovate_user.t0"' not in lines[0]
    assert b'tradovate_user.t2"' not in lines[0]
    again = StateStore(LocalBackend(tmp_path)).read()
    assert again.resources["tradovate_user.t1"].facts == {"mda_signed": True}
    assert set(again.pending) == {"op-1"}


def test_the_header_of_a_journal_line_is_read_without_its_records() -> None:
    editor = seeded().edit()
    editor.put("tradovate_user.t1", record(1, signed=True))
    written = editor.snapshot().model_copy(update={"serial": 8})
    line = delta_between(seeded(), written).to_line()[:-1]

    assert header_of_line(line) == StateHeader(lineage=written.lineage, serial=8)
    torn = line[: line.index(b'"resources"') + 20]  # records cut off: never decoded
    assert header_of_line(torn) == StateHeader(lineage=written.lineage, serial=8)
    with pytest.raises(StateError):
        header_of_line(b'{"resources": {}}')
