"""Tests for the local backend: files and modes, backups, crash safety, lock files, the key file."""

from __future__ import annotations

import json
import logging
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.errors import StateError, StateLocked
from reconciler.state import LocalBackend, LockInfo, ResourceState, StateDocument, StateStore
from reconciler.state.local import UNREADABLE_LOCK_ID

BOB = ResourceState(remote_id="102", attributes={"name": "bob"}, updated_at="2024-05-01T10:00:00Z")

HOLD_LOCK = """
import sys
from pathlib import Path
from reconciler.state import LocalBackend, LockInfo

backend = LocalBackend(Path(sys.argv[1]))
info = LockInfo.current("apply")
backend.acquire(info)
print(info.id, flush=True)
sys.stdin.read()
backend.release(info.id)
"""


class SimulatedCrash(BaseException):
    """Stands for the process dying at the patched step."""


@pytest.fixture
def lock_holder(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Another process holding the lock of tmp_path's default workspace, and its lock id."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    lock_id = child.stdout.readline().strip()
    yield child, lock_id
    if child.poll() is None:
        child.kill()
    child.wait()


def write_serials(directory: Path, count: int) -> StateStore:
    store = StateStore(LocalBackend(directory))
    doc = store.read()
    for _ in range(count):
        doc = store.write(doc)
    return store


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def reaped_pid() -> int:
    """The id of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_files_are_named_after_the_workspace(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path, workspace="prod")
    store = StateStore(backend)
    store.write(store.read())

    with store.lock(command="apply"):
        names = sorted(path.name for path in tmp_path.iterdir())

    assert names == ["prod.lock", "prod.state.json"]


def test_state_backup_lock_and_key_files_are_private(tmp_path: Path) -> None:
    store = write_serials(tmp_path, 2)
    backend = LocalBackend(tmp_path)
    backend.secret_key()

    with store.lock(command="apply"):
        modes = {path.name: mode_of(path) for path in tmp_path.iterdir()}

    assert modes == {
        "default.state.json": 0o600,
        "default.state.json.backup": 0o600,
        "default.lock": 0o600,
        "default.state.key": 0o600,
    }


def test_missing_directories_are_created_on_first_write(tmp_path: Path) -> None:
    directory = tmp_path / "deep" / "state"
    store = StateStore(LocalBackend(directory))

    assert store.read().serial == 0
    assert not directory.exists()
    store.write(store.read())

    assert store.read().serial == 1


def test_first_write_leaves_no_backup(tmp_path: Path) -> None:
    write_serials(tmp_path, 1)

    assert not LocalBackend(tmp_path).backup_path.exists()


def test_backup_holds_the_previous_serial(tmp_path: Path) -> None:
    store = write_serials(tmp_path, 3)
    backend = LocalBackend(tmp_path)

    backup = StateDocument.from_bytes(backend.backup_path.read_bytes())

    assert backup.serial == 2
    assert store.read().serial == 3
    assert backup.lineage == store.read().lineage


def test_leftover_temporary_files_do_not_disturb_reads_or_writes(tmp_path: Path) -> None:
    store = write_serials(tmp_path, 1)
    (tmp_path / ".default.state.json.abc123.tmp").write_bytes(b'{"format_version": 1, "lin')
    (tmp_path / ".default.state.json.backup.def456.tmp").write_bytes(b"")

    doc = store.read()
    written = store.write(doc)

    assert (doc.serial, written.serial) == (1, 2)
    assert store.read() == written


@pytest.mark.parametrize(
    "crash_at", [pytest.param(1, id="while-saving-backup"), pytest.param(2, id="while-replacing")]
)
def test_a_crash_during_write_leaves_the_previous_state_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_at: int
) -> None:
    store = write_serials(tmp_path, 2)
    before = store.read()
    renames: list[Path] = []
    real_replace = Path.replace

    def crashing_replace(self: Path, target: str | os.PathLike[str]) -> Path:
        renames.append(self)
        if len(renames) == crash_at:
            raise SimulatedCrash
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", crashing_replace)
    with pytest.raises(SimulatedCrash):
        store.write(StateStore(LocalBackend(tmp_path)).read())
    monkeypatch.undo()

    assert store.read() == before
    assert store.write(store.read()).serial == 3


def test_a_failed_fsync_is_a_state_error_and_keeps_the_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = write_serials(tmp_path, 1)
    before = store.read()

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(StateError, match="No space left on device"):
        store.write(before)
    monkeypatch.undo()

    assert store.read() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["default.state.json"]


def test_corrupt_state_file_is_refused_for_reading_and_writing(tmp_path: Path) -> None:
    store = write_serials(tmp_path, 1)
    doc = store.read()
    LocalBackend(tmp_path).state_path.write_bytes(b'{"format_version": 1, "lin')

    with pytest.raises(StateError, match="not valid JSON"):
        store.read()
    with pytest.raises(StateError, match="not valid JSON"):
        store.write(doc)


def test_workspaces_in_one_directory_are_independent(tmp_path: Path) -> None:
    prod = StateStore(LocalBackend(tmp_path, workspace="prod"))
    staging = StateStore(LocalBackend(tmp_path, workspace="staging"))
    prod.write(prod.read())

    with prod.lock(command="apply"), staging.lock(command="apply"):
        assert staging.read().serial == 0


@pytest.mark.parametrize("name", ["", "../escape", "a/b", ".hidden"])
def test_unsafe_workspace_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(StateError, match="invalid workspace name"):
        LocalBackend(tmp_path, workspace=name)


def test_lock_file_holds_the_lock_info(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    info = LockInfo.current("apply")

    backend.acquire(info)

    assert LockInfo.model_validate(json.loads(backend.lock_path.read_text())) == info


def test_lock_held_by_another_process_is_reported_live(
    tmp_path: Path, lock_holder: tuple[subprocess.Popen[str], str]
) -> None:
    child, lock_id = lock_holder
    store = StateStore(LocalBackend(tmp_path))

    with pytest.raises(StateLocked) as caught, store.lock(command="plan"):
        pass

    assert caught.value.lock_id == lock_id
    assert f"(pid {child.pid}, apply)" in caught.value.holder
    assert "stale" not in str(caught.value)


def test_lock_is_free_once_the_other_process_releases_it(
    tmp_path: Path, lock_holder: tuple[subprocess.Popen[str], str]
) -> None:
    child, _ = lock_holder
    child.communicate("")

    with StateStore(LocalBackend(tmp_path)).lock(command="apply"):
        pass


def test_lock_of_a_killed_process_is_taken_over_with_one_line_and_an_audit_entry(
    tmp_path: Path,
    lock_holder: tuple[subprocess.Popen[str], str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    child, lock_id = lock_holder
    child.send_signal(signal.SIGKILL)
    child.wait()
    store = StateStore(LocalBackend(tmp_path))

    with caplog.at_level(logging.WARNING), store.lock(command="apply") as info:
        assert LocalBackend(tmp_path).holder() == info
    (line,) = [r.getMessage() for r in caplog.records if "took over" in r.getMessage()]
    assert f"took over the state lock {lock_id}" in line
    assert f"process {child.pid} is gone" in line
    (entry,) = store.history()
    assert (entry.action, entry.outcome, entry.command) == (line, "ok", "apply")


def test_lock_whose_pid_now_names_another_process_is_taken_over(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    mine = LockInfo.current("apply")
    assert mine.started is not None  # this platform shows process start times
    backend.acquire(mine.model_copy(update={"started": mine.started - 1}))

    assert backend.acquire(LockInfo.current("plan")) is not None


def test_lock_of_a_live_process_or_of_another_host_is_refused(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    backend.acquire(LockInfo.current("apply"))
    with pytest.raises(StateLocked):
        backend.acquire(LockInfo.current("plan"))
    other = LocalBackend(tmp_path / "other")
    gone = LockInfo.current("apply").model_copy(update={"host": "elsewhere", "pid": reaped_pid()})
    other.acquire(gone)
    with pytest.raises(StateLocked, match="whether it is alive is not known"):
        other.acquire(LockInfo.current("plan"))


def test_dead_pid_on_another_host_is_not_called_stale(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    info = LockInfo.current("apply").model_copy(update={"host": "elsewhere", "pid": reaped_pid()})
    backend.acquire(info)

    with pytest.raises(StateLocked) as caught:
        backend.acquire(LockInfo.current("plan"))

    assert "stale" not in str(caught.value)


def test_release_leaves_a_lock_that_is_not_ours(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    theirs = LockInfo.current("apply")
    backend.acquire(theirs)

    backend.release("some-other-id")

    assert backend.holder() == theirs


def test_unreadable_lock_file_can_be_force_released(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    backend.lock_path.write_bytes(b"")

    with pytest.raises(StateLocked) as caught:
        backend.acquire(LockInfo.current("apply"))
    assert caught.value.lock_id == UNREADABLE_LOCK_ID

    backend.force_release(UNREADABLE_LOCK_ID)
    assert backend.holder() is None


def test_secret_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    directory = tmp_path / "state"
    backend = LocalBackend(directory)

    key = backend.secret_key()

    assert len(key) == 32
    assert mode_of(backend.key_path) == 0o600
    assert LocalBackend(directory).secret_key() == key
    assert LocalBackend(directory, workspace="other").secret_key() != key
    assert sorted(path.name for path in directory.iterdir()) == [
        "default.state.key",
        "other.state.key",
    ]


def test_corrupt_secret_key_file_is_an_error(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    backend.key_path.write_text("abcd\n")

    with pytest.raises(StateError, match="corrupt"):
        backend.secret_key()
