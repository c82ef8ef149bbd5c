"""The contract every state backend keeps; each implementation is one entry in BACKENDS."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from reconciler.errors import StateConflict, StateError, StateLocked
from reconciler.state import Backend, LocalBackend, LockInfo, PostgresBackend, StateDocument

OpenBackend = Callable[[], Backend]
"""Opens another handle on the same workspace storage (as a second process would)."""

PG_DSN_ENV = "RECONCILER_TEST_PG_DSN"
DEFAULT_PG_DSN = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def open_local(tmp_path: Path) -> Iterator[OpenBackend]:
    yield lambda: LocalBackend(tmp_path / "state", workspace="contract")


def reachable_pg_dsn() -> str:
    """The test database's DSN; skips the test when it is unreachable (fails under CI)."""
    dsn = os.environ.get(PG_DSN_ENV, DEFAULT_PG_DSN)
    try:
        psycopg.connect(dsn, connect_timeout=3).close()
    except psycopg.Error as exc:
        reason = f"PostgreSQL is unreachable (set {PG_DSN_ENV}): {type(exc).__name__}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return dsn


@contextmanager
def temporary_pg_schema() -> Iterator[tuple[str, str]]:
    """A DSN and a fresh schema name; the schema is dropped afterwards."""
    dsn = reachable_pg_dsn()
    schema = f"reconciler_test_{uuid.uuid4().hex[:12]}"
    try:
        yield dsn, schema
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@contextmanager
def open_postgres(tmp_path: Path) -> Iterator[OpenBackend]:
    opened: list[PostgresBackend] = []

    def open_one() -> Backend:
        opened.append(PostgresBackend(dsn, workspace="contract", schema=schema))
        return opened[-1]

    with temporary_pg_schema() as (dsn, schema):
        try:
            yield open_one
        finally:
            for backend in opened:
                backend.close()


BACKENDS = [
    pytest.param(open_local, id="local"),
    pytest.param(open_postgres, id="postgres"),
]


@contextmanager
def open_journaled(tmp_path: Path) -> Iterator[OpenBackend]:
    """A local backend whose every small write goes to the journal."""
    yield lambda: LocalBackend(tmp_path / "state", workspace="contract", journal_from=0)


def opened_by(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenBackend]:
    """The body of a fixture whose parameters are backend openers: the one it is run with."""
    factory: Callable[[Path], AbstractContextManager[OpenBackend]] = request.param
    with factory(tmp_path) as opener:
        yield opener


@pytest.fixture(params=BACKENDS)
def open_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenBackend]:
    yield from opened_by(request, tmp_path)


@pytest.fixture
def backend(open_backend: OpenBackend) -> Backend:
    return open_backend()


def document_bytes(*, lineage: str = "lineage-1", serial: int) -> bytes:
    return StateDocument(format_version=1, lineage=lineage, serial=serial).to_bytes()


def test_nothing_stored_reads_as_none(backend: Backend) -> None:
    assert backend.read_bytes() is None


def test_written_bytes_read_back_unchanged(open_backend: OpenBackend) -> None:
    first = document_bytes(serial=1)
    second = document_bytes(serial=2)
    backend = open_backend()

    backend.write_bytes(first, expected_serial=None, lineage="lineage-1")
    backend.write_bytes(second, expected_serial=1, lineage="lineage-1")

    assert open_backend().read_bytes() == second


@pytest.mark.parametrize(
    ("expected_serial", "lineage"),
    [
        pytest.param(None, "lineage-1", id="expects-nothing-stored"),
        pytest.param(1, "lineage-1", id="stale-serial"),
        pytest.param(3, "lineage-1", id="future-serial"),
        pytest.param(2, "lineage-2", id="other-lineage"),
    ],
)
def test_compare_and_swap_refuses_a_mismatch(
    backend: Backend, expected_serial: int | None, lineage: str
) -> None:
    backend.write_bytes(document_bytes(serial=1), expected_serial=None, lineage="lineage-1")
    backend.write_bytes(document_bytes(serial=2), expected_serial=1, lineage="lineage-1")

    with pytest.raises(StateConflict):
        backend.write_bytes(
            document_bytes(lineage=lineage, serial=9),
            expected_serial=expected_serial,
            lineage=lineage,
        )
    assert backend.read_bytes() == document_bytes(serial=2)


def test_compare_and_swap_refuses_a_serial_when_nothing_is_stored(backend: Backend) -> None:
    with pytest.raises(StateConflict):
        backend.write_bytes(document_bytes(serial=5), expected_serial=4, lineage="lineage-1")
    assert backend.read_bytes() is None


def test_lock_excludes_another_handle(open_backend: OpenBackend) -> None:
    first, second = open_backend(), open_backend()
    held = LockInfo.current("apply")
    first.acquire(held)

    with pytest.raises(StateLocked) as caught:
        second.acquire(LockInfo.current("plan"))

    assert caught.value.lock_id == held.id
    assert caught.value.since == held.created_at
    assert held.user in caught.value.holder


def test_holder_reports_the_lock(open_backend: OpenBackend) -> None:
    backend = open_backend()
    info = LockInfo.current("apply")
    assert backend.holder() is None

    backend.acquire(info)

    assert open_backend().holder() == info


def test_release_frees_the_lock(open_backend: OpenBackend) -> None:
    first, second = open_backend(), open_backend()
    info = LockInfo.current("apply")
    first.acquire(info)

    first.release(info.id)

    assert second.holder() is None
    second.acquire(LockInfo.current("plan"))


def test_release_of_an_unheld_lock_is_harmless(backend: Backend) -> None:
    backend.release("never-taken")

    assert backend.holder() is None


def test_force_release_frees_a_lock_held_elsewhere(open_backend: OpenBackend) -> None:
    info = LockInfo.current("apply")
    open_backend().acquire(info)
    other = open_backend()

    other.force_release(info.id)

    assert other.holder() is None


@pytest.mark.parametrize(
    "is_locked", [pytest.param(True, id="locked"), pytest.param(False, id="unlocked")]
)
def test_force_release_with_a_wrong_id_is_an_error(backend: Backend, is_locked: bool) -> None:
    info = LockInfo.current("apply")
    if is_locked:
        backend.acquire(info)

    with pytest.raises(StateError):
        backend.force_release("wrong-id")

    assert backend.holder() == (info if is_locked else None)


def test_secret_key_is_32_bytes_and_stable_across_handles(open_backend: OpenBackend) -> None:
    key = open_backend().secret_key()

    assert len(key) == 32
    assert open_backend().secret_key() == key


def test_audit_trail_reads_back_in_append_order(open_backend: OpenBackend) -> None:
    writer = open_backend()
    writer.append_audit(
        [("alice", b'{"n":1,"trader":"alice"}'), ("bob", b'{"n":2,"trader":"bob"}')]
    )
    writer.append_audit([("alice", b'{"n":3,"trader":"alice"}')])

    reader = open_backend()
    assert [json.loads(line)["n"] for line in reader.read_audit(None)] == [1, 2, 3]
    assert [json.loads(line)["n"] for line in reader.read_audit("alice")] == [1, 3]
    assert reader.read_audit("carol") == []


def test_audit_trail_of_nothing_appended_is_empty(backend: Backend) -> None:
    backend.append_audit([])

    assert backend.read_audit(None) == []


def test_sealed_handout_records_are_kept_until_marked_delivered(open_backend: OpenBackend) -> None:
    writer, reader = open_backend(), open_backend()
    writer.append_handout([("r1", b"\x00sealed-one"), ("r2", b"sealed-two\n")])
    writer.append_handout([("r3", b"sealed-three")])

    assert reader.pending_handout() == [
        ("r1", b"\x00sealed-one"),
        ("r2", b"sealed-two\n"),
        ("r3", b"sealed-three"),
    ]
    reader.mark_handout_delivered(["r1", "r3"], at="2026-01-02T03:04:05Z")
    assert writer.pending_handout() == [("r2", b"sealed-two\n")]
