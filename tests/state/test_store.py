"""Tests for the state store: serials, compare-and-swap, locking with a fake clock, the key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.errors import StateConflict, StateError, StateLocked
from reconciler.state import LocalBackend, LockInfo, ResourceState, StateDocument, StateStore

BOB = ResourceState(
    remote_id="102",
    attributes={"name": "bob"},
    updated_at="2024-05-01T10:00:00Z",
    created_at="2024-05-01T10:00:00Z",
)


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_store(directory: Path, fake: FakeTime | None = None) -> StateStore:
    fake = fake or FakeTime()
    return StateStore(LocalBackend(directory), clock=fake.clock, sleep=fake.sleep)


def with_bob(doc: StateDocument) -> StateDocument:
    editor = doc.edit()
    editor.put("tradovate_user.bob", BOB)
    return editor.snapshot()


def test_read_without_stored_state_gives_an_empty_new_document(tmp_path: Path) -> None:
    doc = make_store(tmp_path).read()

    assert doc.serial == 0
    assert doc.resources == {}
    assert not list(tmp_path.iterdir())


def test_write_bumps_the_serial_and_reads_back(tmp_path: Path) -> None:
    store = make_store(tmp_path)

    first = store.write(with_bob(store.read()))
    second = store.write(first)

    assert (first.serial, second.serial) == (1, 2)
    assert store.read() == second
    assert store.read().resources == {"tradovate_user.bob": BOB}


def test_write_keeps_the_lineage(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    new = store.read()

    written = store.write(new)

    assert written.lineage == new.lineage
    assert store.read().lineage == new.lineage


def test_second_writer_from_the_same_read_gets_a_conflict(tmp_path: Path) -> None:
    first, second = make_store(tmp_path), make_store(tmp_path)
    first.write(StateDocument.new())
    doc_a, doc_b = first.read(), second.read()

    first.write(with_bob(doc_a))

    with pytest.raises(StateConflict, match="serial is 2, expected 1"):
        second.write(doc_b)
    assert first.read().resources == {"tradovate_user.bob": BOB}


def test_two_new_documents_conflict_on_first_write(tmp_path: Path) -> None:
    first, second = make_store(tmp_path), make_store(tmp_path)
    doc_a, doc_b = first.read(), second.read()

    first.write(doc_a)

    with pytest.raises(StateConflict):
        second.write(doc_b)
    assert first.read().lineage == doc_a.lineage


def test_document_of_another_lineage_is_refused(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    written = store.write(StateDocument.new(lineage="original"))
    impostor = written.model_copy(update={"lineage": "other"})

    with pytest.raises(StateConflict, match="lineage"):
        store.write(impostor)
    assert store.read().lineage == "original"


def test_lock_info_describes_this_process(tmp_path: Path) -> None:
    fake = FakeTime(start=0.0)

    info = LockInfo.current("apply", clock=fake.clock)

    assert info.pid == os.getpid()
    assert info.command == "apply"
    assert info.created_at == "1970-01-01T00:00:00+00:00"
    assert LockInfo.current("apply").id != info.id


def test_two_stores_on_one_directory_exclude_each_other(tmp_path: Path) -> None:
    first, second = make_store(tmp_path), make_store(tmp_path)

    with first.lock(command="apply") as held:
        with pytest.raises(StateLocked) as caught, second.lock(command="plan"):
            pass
        assert caught.value.lock_id == held.id
        assert f"(pid {os.getpid()}, apply)" in caught.value.holder

    with second.lock(command="plan") as info:
        assert info.command == "plan"


def test_lock_is_released_when_the_block_raises(tmp_path: Path) -> None:
    store = make_store(tmp_path)

    with pytest.raises(RuntimeError), store.lock(command="apply"):
        raise RuntimeError("boom")

    with store.lock(command="apply"):
        pass


def test_lock_retries_every_half_second_until_the_timeout(tmp_path: Path) -> None:
    fake = FakeTime()
    holder, waiter = make_store(tmp_path), make_store(tmp_path, fake)

    with (
        holder.lock(command="apply"),
        pytest.raises(StateLocked),
        waiter.lock(command="apply", timeout=2.0),
    ):
        pass

    assert fake.sleeps == [0.5, 0.5, 0.5, 0.5]


def test_lock_wait_ends_early_when_the_holder_leaves(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    other = LockInfo.current("apply")
    backend.acquire(other)
    sleeps: list[float] = []

    def sleep_then_release(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            backend.release(other.id)

    store = StateStore(LocalBackend(tmp_path), clock=lambda: 0.0, sleep=sleep_then_release)

    with store.lock(command="plan", timeout=10.0) as info:
        assert backend.holder() == info
    assert sleeps == [0.5, 0.5]


def test_lock_without_timeout_fails_at_once(tmp_path: Path) -> None:
    fake = FakeTime()
    LocalBackend(tmp_path).acquire(LockInfo.current("apply"))

    with pytest.raises(StateLocked), make_store(tmp_path, fake).lock(command="plan"):
        pass
    assert fake.sleeps == []


def test_unlock_releases_a_lock_left_behind(tmp_path: Path) -> None:
    left = LockInfo.current("apply")
    LocalBackend(tmp_path).acquire(left)
    store = make_store(tmp_path)

    store.unlock(left.id)

    with store.lock(command="apply"):
        pass


def test_unlock_with_a_wrong_id_keeps_the_lock(tmp_path: Path) -> None:
    left = LockInfo.current("apply")
    backend = LocalBackend(tmp_path)
    backend.acquire(left)

    with pytest.raises(StateError, match="does not match"):
        make_store(tmp_path).unlock("not-the-id")
    assert backend.holder() == left


def test_secret_key_comes_from_the_backend_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RECONCILER_STATE_KEY", raising=False)

    key = make_store(tmp_path).secret_key()

    assert key == LocalBackend(tmp_path).secret_key()
    assert len(key) == 32


def test_secret_key_environment_variable_overrides_the_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECONCILER_STATE_KEY", "ab" * 32)

    assert make_store(tmp_path).secret_key() == bytes([0xAB] * 32)
    assert not LocalBackend(tmp_path).key_path.exists()


@pytest.mark.parametrize(
    "value",
    [pytest.param("not-hex-at-all-zzzz", id="not-hex"), pytest.param("abcd", id="too-short")],
)
def test_unusable_secret_key_variable_is_an_error_without_its_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("RECONCILER_STATE_KEY", value)

    with pytest.raises(StateError, match="RECONCILER_STATE_KEY") as caught:
        make_store(tmp_path).secret_key()
    assert value not in str(caught.value)
