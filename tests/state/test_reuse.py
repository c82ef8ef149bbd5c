"""`StateStore.read(reuse=True)`: the document last read or written comes back without a new
read only while the stored header still names it; a write by anyone else is always seen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.errors import StateConflict
from reconciler.state import LocalBackend, ResourceState, StateDocument, StateStore
from tests.state.test_backend_contract import (
    OpenBackend,
    open_journaled,
    open_local,
    open_postgres,
    opened_by,
)


def record(city: str) -> ResourceState:
    return ResourceState(
        remote_id="101",
        natural_key="alice",
        attributes={"city": city},
        updated_at="2026-01-01T00:00:00Z",
        created_at="2026-01-01T00:00:00Z",
    )


def with_city(document: StateDocument, city: str) -> StateDocument:
    editor = document.edit()
    editor.put("tradovate_user.alice", record(city))
    return editor.snapshot()


@pytest.fixture(
    params=[
        pytest.param(open_local, id="local"),
        pytest.param(open_journaled, id="local-journal"),
        pytest.param(open_postgres, id="postgres"),
    ]
)
def open_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenBackend]:
    yield from opened_by(request, tmp_path)


def test_header_names_the_last_write(open_backend: OpenBackend) -> None:
    store = StateStore(open_backend())
    assert open_backend().read_header() is None

    written = store.write(with_city(store.write(store.read()), "Chicago"))

    header = open_backend().read_header()
    assert header is not None
    assert (header.lineage, header.serial) == (written.lineage, 2)


def test_unchanged_state_is_not_read_again(open_backend: OpenBackend) -> None:
    store = StateStore(open_backend())
    written = store.write(with_city(store.read(), "Chicago"))

    assert store.read(reuse=True) is written
    assert store.read() is not written  # without reuse: read and decoded again


def test_a_write_by_another_process_is_seen(open_backend: OpenBackend) -> None:
    mine, theirs = StateStore(open_backend()), StateStore(open_backend())
    store_first = mine.write(with_city(mine.read(), "Chicago"))
    assert mine.read(reuse=True) is store_first

    theirs.write(with_city(theirs.read(), "Boston"))

    again = mine.read(reuse=True)
    assert again.serial == 2
    assert again.resources["tradovate_user.alice"].attributes == {"city": "Boston"}


def test_a_state_made_anew_with_the_same_serial_is_seen(tmp_path: Path) -> None:
    """Another lineage at the same serial (the state deleted and made again) is read."""
    backend = LocalBackend(tmp_path)
    store = StateStore(backend)
    first = store.write(with_city(store.read(), "Chicago"))
    backend.state_path.unlink()
    other = StateStore(LocalBackend(tmp_path))
    made = other.write(with_city(other.read(), "Boston"))
    assert (made.serial, made.lineage != first.lineage) == (first.serial, True)

    again = store.read(reuse=True)

    assert again.lineage == made.lineage
    assert again.resources["tradovate_user.alice"].attributes == {"city": "Boston"}


def test_a_failed_write_forgets_what_was_read(tmp_path: Path) -> None:
    mine, theirs = StateStore(LocalBackend(tmp_path)), StateStore(LocalBackend(tmp_path))
    base = mine.write(StateDocument.new())
    theirs.write(with_city(theirs.read(), "Boston"))

    with pytest.raises(StateConflict):
        mine.write(with_city(base, "Chicago"))

    assert mine.read(reuse=True).resources["tradovate_user.alice"].attributes == {"city": "Boston"}
