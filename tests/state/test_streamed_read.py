"""A local state file and its journal are read a line at a time from the files: the result is
what decoding the whole bytes gives, and a large state's bytes are never held whole."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from reconciler.errors import StateError
from reconciler.state import (
    FORMAT_VERSION,
    LocalBackend,
    ResourceState,
    StateDocument,
    StateStore,
)
from reconciler.state.encoding import decode_document
from reconciler.state.streamed import journal_lines, read_document_file
from tests.state.test_pending_texts import op

RECORD = ResourceState(
    remote_id="102",
    attributes={"name": "bob", "city": "Zürich"},
    updated_at="2024-05-01T10:00:00+00:00",
)


def document(addresses: list[str], *, pending: int = 2) -> StateDocument:
    return StateDocument(
        format_version=FORMAT_VERSION,
        lineage="3f6c1d9e-5d7a-4c33-9a59-111111111111",
        serial=7,
        resources=dict.fromkeys(addresses, RECORD),
        pending={op(i).id: op(i) for i in range(pending)},
    )


@pytest.mark.parametrize(
    "addresses",
    [
        ["tradovate_user.alice", "tradovate_user.zz"],
        ["tradovate_user.zoë", 'tradovate_user.a"b', 'tradovate_user.zoë"ü', "x.a\nb"],
        ["tradovate_user.alice"],
        [],
    ],
)
@pytest.mark.parametrize("pending", [0, 3])
def test_a_canonical_file_reads_as_its_whole_bytes_decode(
    tmp_path: Path, addresses: list[str], pending: int
) -> None:
    data = document(addresses, pending=pending).to_bytes()
    path = tmp_path / "w.state.json"
    path.write_bytes(data)

    raw = read_document_file(path)

    assert raw == decode_document(data, pending_as_texts=True)
    assert raw is not None
    assert raw["resources"].keys() == set(addresses)


@pytest.mark.parametrize(
    "shape",
    [
        lambda d: json.dumps(d, indent=4).encode(),  # another indent
        lambda d: json.dumps(d).encode(),  # one line
        lambda d: json.dumps(d, indent=2, sort_keys=True).encode().replace(b"{\n", b"{\r\n", 1),
    ],
)
def test_any_other_file_is_read_whole_alike(tmp_path: Path, shape: object) -> None:
    data = shape(json.loads(document(["tradovate_user.alice"]).to_bytes()))  # type: ignore[operator]
    path = tmp_path / "w.state.json"
    path.write_bytes(data)

    assert read_document_file(path) == decode_document(data, pending_as_texts=True)


def _spoiled(data: bytes, cut: int) -> bytes:
    """`data` cut short, or (cut 0) with a header line that is not JSON."""
    return data.replace(b'"serial": 7', b'"serial": 7x') if cut == 0 else data[:cut]


@pytest.mark.parametrize("cut", [40, 200, -30, -3, 0])
def test_a_file_cut_short_fails_as_its_whole_bytes_fail(tmp_path: Path, cut: int) -> None:
    data = _spoiled(document(["tradovate_user.alice", "tradovate_user.bob"]).to_bytes(), cut)
    path = tmp_path / "w.state.json"
    path.write_bytes(data)
    with pytest.raises(StateError) as whole:
        decode_document(data, pending_as_texts=True)

    with pytest.raises(StateError) as streamed:
        read_document_file(path)

    assert str(streamed.value) == str(whole.value)


def test_no_file_reads_as_none(tmp_path: Path) -> None:
    assert read_document_file(tmp_path / "none.state.json") is None
    assert list(journal_lines(tmp_path / "none.state.journal")) == []


def test_a_journal_line_without_its_newline_is_torn_and_left_out(tmp_path: Path) -> None:
    path = tmp_path / "w.state.journal"
    path.write_bytes(b'{"a":1}\n{"b":2}\n{"c":')

    assert list(journal_lines(path)) == [b'{"a":1}', b'{"b":2}']


TRADERS = 20_000
LINE = 500


def test_a_large_state_and_journal_are_never_held_whole(tmp_path: Path) -> None:
    """Reading holds what it returns and little more: before, the file's bytes were held
    beside the records' texts, then the journal's bytes."""
    whole = StateStore(LocalBackend(tmp_path, journal_from=1 << 40))
    editor = whole.read().edit()
    for index in range(TRADERS):
        editor.put(f"tradovate_user.t{index:06d}", RECORD)
    whole.write(editor.snapshot())
    journaled = StateStore(LocalBackend(tmp_path, journal_from=0))
    written = journaled.read()
    changed = RECORD.model_copy(update={"attributes": {"name": "bob", "city": "Basel"}})
    for start in range(0, TRADERS // 2, LINE):  # journal lines changing half the records
        editor = written.edit()
        for index in range(start, start + LINE):
            editor.put(f"tradovate_user.t{index:06d}", changed)
        written = journaled.write(editor.snapshot())
    backend = LocalBackend(tmp_path, journal_from=0)
    size = backend.state_path.stat().st_size
    assert backend.journal_path.stat().st_size > size / 3

    tracemalloc.start()
    try:
        raw = backend.read_document()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert raw is not None
    assert StateStore(backend).read() == written
    # whole, the file's bytes alone took its size above what is returned (a journal line's
    # records, decoded as it is applied, are what is left)
    assert peak - held < size / 2
