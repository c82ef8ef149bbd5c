"""State writes carry only what changed: the local journal (what it holds, a torn last line,
compaction), PostgreSQL's row per record, and the compare-and-swap on both."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.errors import StateConflict
from reconciler.state import (
    LocalBackend,
    PendingOperation,
    ResourceState,
    StateDocument,
    StateStore,
)
from reconciler.state.local_files import COMPACT_FRACTION
from tests.state.test_backend_contract import (
    OpenBackend,
    open_journaled,
    open_postgres,
    opened_by,
)
from tests.state.test_pending_texts import op

RECORDS = 60
open_postgres_param = pytest.param(open_postgres, id="postgres")
OP = PendingOperation(
    id="op-1", address="tradovate_user.t3", action="update", natural_key="t3", started_at="s"
)


class SimulatedCrash(BaseException):
    """Stands for the process dying at the patched step."""


def record(index: int, city: str = "Chicago") -> ResourceState:
    return ResourceState(
        remote_id=str(1000 + index),
        natural_key=f"t{index}",
        attributes={"name": f"trader {index}", "city": city, "email": f"t{index}@x.test"},
        updated_at="2026-01-01T00:00:00Z",
        created_at="2026-01-01T00:00:00Z",
    )


def stored(resource: ResourceState) -> dict[str, object]:
    """A record as stored (an empty fingerprint is left out)."""
    return {key: value for key, value in resource.model_dump().items() if key != "fingerprint"}


def seeded(store: StateStore) -> StateDocument:
    """A state of RECORDS records, written whole."""
    editor = store.read().edit()
    for index in range(RECORDS):
        editor.put(f"tradovate_user.t{index}", record(index))
    return store.write(editor.snapshot())


def change_three(document: StateDocument) -> StateDocument:
    """Two records changed, one removed, one pending operation added."""
    editor = document.edit()
    editor.put("tradovate_user.t1", record(1, city="Boston"))
    editor.put("tradovate_user.t2", record(2, city="Austin"))
    editor.remove("tradovate_user.t5")
    editor.add_pending(OP)
    return editor.snapshot()


@pytest.fixture(params=[pytest.param(open_journaled, id="local"), open_postgres_param])
def open_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenBackend]:
    yield from opened_by(request, tmp_path)


def test_a_delta_reads_back_as_the_whole_document(open_backend: OpenBackend) -> None:
    store = StateStore(open_backend())
    written = store.write(change_three(seeded(store)))

    again = StateStore(open_backend()).read()

    assert again == written
    assert again.resources["tradovate_user.t1"].attributes["city"] == "Boston"
    assert "tradovate_user.t5" not in again.resources
    assert again.pending == {OP.id: OP}
    assert StateDocument.from_bytes(open_backend().read_bytes() or b"") == written


def test_a_stale_delta_is_refused(open_backend: OpenBackend) -> None:
    first, second = StateStore(open_backend()), StateStore(open_backend())
    seeded(first)
    mine, theirs = first.read(), second.read()
    second.write(change_three(theirs))

    with pytest.raises(StateConflict):
        first.write(change_three(mine))

    assert StateStore(open_backend()).read().serial == theirs.serial + 1


def test_the_journal_holds_only_the_changed_addresses(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path, journal_from=0)
    store = StateStore(backend)
    seeded(store)
    seeded_bytes = backend.state_path.read_bytes()

    store.write(change_three(store.read()))

    (line,) = backend.journal_path.read_bytes().splitlines()
    delta = json.loads(line)
    assert delta["resources"] == {
        "tradovate_user.t1": stored(record(1, "Boston")),
        "tradovate_user.t2": stored(record(2, "Austin")),
        "tradovate_user.t5": None,
    }
    assert delta["pending"] == {OP.id: OP.model_dump()}
    assert delta["header"]["serial"] == 2
    assert backend.state_path.read_bytes() == seeded_bytes  # the file is not rewritten


def test_a_torn_last_line_is_ignored_and_cut_off_by_the_next_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = LocalBackend(tmp_path, journal_from=0)
    store = StateStore(backend)
    before = store.write(change_three(seeded(store)))
    real_write = os.write

    def torn_write(fd: int, data: bytes | memoryview) -> int:
        real_write(fd, bytes(data)[: len(data) // 2])
        raise SimulatedCrash

    editor = before.edit()
    editor.put("tradovate_user.t9", record(9, city="Denver"))
    monkeypatch.setattr(os, "write", torn_write)
    with pytest.raises(SimulatedCrash):
        store.write(editor.snapshot())
    monkeypatch.undo()
    assert not backend.journal_path.read_bytes().endswith(b"\n")

    reread = StateStore(LocalBackend(tmp_path, journal_from=0))
    current = reread.read()
    assert current == before
    editor = current.edit()
    editor.clear_pending([OP.id])
    after = reread.write(editor.snapshot())

    assert StateStore(LocalBackend(tmp_path, journal_from=0)).read() == after
    lines = backend.journal_path.read_bytes().splitlines()
    assert [json.loads(line)["header"]["serial"] for line in lines] == [2, 3]


def test_compaction_folds_the_journal_into_the_file(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path, journal_from=0)
    store = StateStore(backend)
    document = seeded(store)
    writes = 0
    while backend.journal_path.exists() or writes == 0:
        editor = document.edit()
        editor.put(f"tradovate_user.t{writes}", record(writes, city=f"city {writes}"))
        document = store.write(editor.snapshot())
        writes += 1
        assert writes < RECORDS

    assert writes > 1
    assert StateDocument.from_bytes(backend.state_path.read_bytes()) == document
    assert StateStore(LocalBackend(tmp_path, journal_from=0)).read() == document
    assert StateDocument.from_bytes(backend.backup_path.read_bytes()).serial == 1
    assert COMPACT_FRACTION == 0.5


def test_journal_lines_the_file_already_holds_are_skipped(tmp_path: Path) -> None:
    """A crash after a rewrite but before the journal's removal leaves old lines behind."""
    backend = LocalBackend(tmp_path, journal_from=0)
    store = StateStore(backend)
    written = store.write(change_three(seeded(store)))
    journal = backend.journal_path.read_bytes()

    backend.write_bytes(written.to_bytes(), expected_serial=written.serial, lineage=written.lineage)
    backend.journal_path.write_bytes(journal)

    assert StateStore(LocalBackend(tmp_path, journal_from=0)).read() == written


def test_a_format_3_file_is_read_and_rewritten_whole(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path, journal_from=0)
    backend.directory.mkdir(parents=True, exist_ok=True)
    v3 = {
        "format_version": 3,
        "lineage": "old",
        "serial": 4,
        "resources": {"tradovate_user.t1": stored(record(1))},
        "pending": {},
    }
    backend.state_path.write_text(json.dumps(v3))
    store = StateStore(backend)

    document = store.read()
    store.write(document)

    assert document.resources == {"tradovate_user.t1": record(1)}
    assert not backend.journal_path.exists()
    assert json.loads(backend.state_path.read_bytes())["format_version"] == 4


def test_a_fingerprint_is_kept_and_an_empty_one_not_stored(tmp_path: Path) -> None:
    store = StateStore(LocalBackend(tmp_path, journal_from=0))
    editor = store.read().edit()
    editor.put("tradovate_user.a", record(1).model_copy(update={"fingerprint": "sha256:ab"}))
    editor.put("tradovate_user.b", record(2))
    store.write(editor.snapshot())

    stored = json.loads(LocalBackend(tmp_path, journal_from=0).state_path.read_bytes())["resources"]
    read = StateStore(LocalBackend(tmp_path, journal_from=0)).read().resources

    assert stored["tradovate_user.a"]["fingerprint"] == "sha256:ab"
    assert "fingerprint" not in stored["tradovate_user.b"]
    assert (read["tradovate_user.a"].fingerprint, read["tradovate_user.b"].fingerprint) == (
        "sha256:ab",
        "",
    )


def test_any_text_round_trips_whole_and_as_a_delta(open_backend: OpenBackend) -> None:
    odd = 'tab\there "quoted" back\\slash\nnew line \\. ü ✓ \r'
    store = StateStore(open_backend())
    document = seeded(store)
    editor = document.edit()
    editor.put(f"tradovate_user.{odd}", record(1).model_copy(update={"attributes": {odd: odd}}))
    whole = store.replace(document, editor.snapshot())
    editor = whole.edit()
    editor.put("tradovate_user.t2", record(2).model_copy(update={"attributes": {"n": odd}}))
    written = store.write(editor.snapshot())

    assert StateStore(open_backend()).read() == written


def test_a_document_edited_from_another_read_is_compared_record_by_record(
    tmp_path: Path,
) -> None:
    """The store finds the changes by comparing records when the edit is not of its own read."""
    backend = LocalBackend(tmp_path, journal_from=0)
    seeded(StateStore(backend))
    elsewhere = StateStore(LocalBackend(tmp_path, journal_from=0)).read()
    store = StateStore(backend)
    store.read()

    written = store.write(change_three(elsewhere))

    (line,) = backend.journal_path.read_bytes().splitlines()
    changed = json.loads(line)["resources"]
    assert set(changed) == {"tradovate_user.t1", "tradovate_user.t2", "tradovate_user.t5"}
    assert StateStore(LocalBackend(tmp_path)).read() == written


def test_the_write_that_settles_the_pending_operations_the_file_holds_folds_them_out(
    tmp_path: Path,
) -> None:
    """A file rewritten mid-apply holds a large apply's intents; once the journal resolved
    them all, every later read still parsed them only to drop them (239 MB of file for 212 MB
    of state after an apply of 100,000 traders)."""
    backend = LocalBackend(tmp_path, journal_from=0)
    store = StateStore(backend)
    editor = seeded(store).edit()
    for index in range(RECORDS):
        editor.add_pending(op(index))
    intents = store.write(editor.snapshot())
    backend.write_bytes(  # as a compaction mid-apply leaves it: the intents in the file
        intents.to_bytes(), expected_serial=intents.serial, lineage=intents.lineage
    )
    held = backend.state_path.read_bytes()
    assert op(0).id.encode() in held

    editor = intents.edit()
    editor.clear_pending([op(index).id for index in range(RECORDS - 1)])
    partly = store.write(editor.snapshot())
    assert backend.journal_path.exists()  # one intent is left: not settled, a journal line
    assert backend.state_path.read_bytes() == held

    editor = partly.edit()
    editor.clear_pending([op(RECORDS - 1).id])
    editor.put("tradovate_user.t0", record(0, city="Denver"))
    settled = store.write(editor.snapshot())
    assert not backend.journal_path.exists()
    assert b"op-" not in backend.state_path.read_bytes()
    assert StateDocument.from_bytes(backend.state_path.read_bytes()) == settled
    assert StateStore(LocalBackend(tmp_path, journal_from=0)).read() == settled

    # intents the journal alone holds are settled by a journal line: the file is not rewritten
    clean = backend.state_path.read_bytes()
    editor = settled.edit()
    editor.add_pending(op(1))
    again = store.write(editor.snapshot())
    editor = again.edit()
    editor.clear_pending([op(1).id])
    store.write(editor.snapshot())
    assert backend.state_path.read_bytes() == clean
    assert len(backend.journal_path.read_bytes().splitlines()) == 2
