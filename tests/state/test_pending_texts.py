"""A local state file written in the middle of a large apply holds its pending operations,
most of which the journal then resolves: they are read as texts and only those the journal
leaves are decoded."""

from __future__ import annotations

import tracemalloc
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

OPS = 20_000
LEFT = 10


def op(index: int) -> PendingOperation:
    return PendingOperation(
        id=f"op-{index:06d}",
        address=f"tradovate_user.t{index}",
        action="create",
        natural_key=f"trader{index:06d}",
        started_at="2026-01-01T00:00:00.000+00:00",
    )


def mid_apply(tmp_path: Path) -> StateDocument:
    """A file written whole with OPS pending operations, then a journal line resolving all
    but LEFT of them."""
    whole = StateStore(LocalBackend(tmp_path, journal_from=1 << 40))
    editor = whole.read().edit()
    editor.put(
        "tradovate_user.t0",
        ResourceState(remote_id="1", natural_key="t0", attributes={}, updated_at="x"),
    )
    for index in range(OPS):
        editor.add_pending(op(index))
    whole.write(editor.snapshot())
    journaled = StateStore(LocalBackend(tmp_path, journal_from=0))
    editor = journaled.read().edit()
    editor.clear_pending([op(index).id for index in range(OPS - LEFT)])
    return journaled.write(editor.snapshot())


def test_pending_operations_the_journal_leaves_are_read_back_alike(tmp_path: Path) -> None:
    written = mid_apply(tmp_path)
    backend = LocalBackend(tmp_path, journal_from=0)

    again = StateStore(backend).read()

    assert backend.journal_path.exists()
    assert again == written
    assert again.pending == {op(i).id: op(i) for i in range(OPS - LEFT, OPS)}


def test_pending_operations_the_journal_resolves_are_never_decoded(tmp_path: Path) -> None:
    mid_apply(tmp_path)
    backend = LocalBackend(tmp_path, journal_from=0)
    size = backend.state_path.stat().st_size

    tracemalloc.start()
    try:
        raw = backend.read_document()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert raw is not None
    assert len(raw["pending"]) == LEFT
    # decoded, the resolved operations alone took about three times the file (6.7 in all)
    assert peak < 5 * size


def test_a_malformed_pending_operation_the_journal_leaves_is_a_state_error(
    tmp_path: Path,
) -> None:
    mid_apply(tmp_path)
    backend = LocalBackend(tmp_path, journal_from=0)
    last = op(OPS - 1).id
    data = backend.state_path.read_bytes()
    at = data.index(f'"{last}": {{'.encode())
    backend.state_path.write_bytes(data[: at + len(last) + 4] + b"!" + data[at + len(last) + 5 :])

    with pytest.raises(StateError, match="not valid JSON"):
        StateStore(backend).read()
