"""Tests for the PostgreSQL backend: locks across processes, session death, stale holder rows,
compare-and-swap between stores, workspace isolation and secret-free errors."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.types.json import Jsonb

from reconciler.errors import StateConflict, StateError, StateLocked
from reconciler.state import LockInfo, PostgresBackend, StateStore
from tests.state.test_backend_contract import temporary_pg_schema

COMPETE_FOR_LOCK = """
import sys
from reconciler.errors import StateLocked
from reconciler.state import LockInfo, PostgresBackend

backend = PostgresBackend(sys.argv[1], schema=sys.argv[2], workspace="race")
info = LockInfo.current("apply")
sys.stdin.readline()
try:
    backend.acquire(info)
except StateLocked as exc:
    print("locked", exc.lock_id, exc.holder, flush=True)
    sys.exit(0)
print("acquired", info.id, flush=True)
sys.stdin.read()
backend.release(info.id)
"""

OpenPostgres = Callable[..., PostgresBackend]
"""Opens a backend on the test schema; keyword arguments go to PostgresBackend."""


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    with temporary_pg_schema() as dsn_and_schema:
        yield dsn_and_schema


@pytest.fixture
def open_pg(pg_schema: tuple[str, str]) -> Iterator[OpenPostgres]:
    dsn, schema = pg_schema
    opened: list[PostgresBackend] = []

    def open_one(*, workspace: str = "race") -> PostgresBackend:
        opened.append(PostgresBackend(dsn, workspace=workspace, schema=schema))
        return opened[-1]

    yield open_one
    for backend in opened:
        backend.close()


def start_competitor(dsn: str, schema: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", COMPETE_FOR_LOCK, dsn, schema],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def competitors(pg_schema: tuple[str, str]) -> Iterator[list[subprocess.Popen[str]]]:
    """Two processes that try to take the `race` lock once each reads a line."""
    children = [start_competitor(*pg_schema), start_competitor(*pg_schema)]
    yield children
    for child in children:
        if child.poll() is None:
            child.kill()
        child.wait()


def start_race(children: list[subprocess.Popen[str]]) -> list[list[str]]:
    """Let the children compete; their first output lines, split into words."""
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    lines = []
    for child in children:
        assert child.stdout is not None
        lines.append(child.stdout.readline().split())
    return lines


def acquire_eventually(backend: PostgresBackend, info: LockInfo, *, seconds: float = 10) -> None:
    """Retry until the server has noticed a dead session (polls, never sleeps)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            backend.acquire(info)
            return
        except StateLocked:
            if time.monotonic() > deadline:
                raise


def test_exactly_one_of_two_processes_gets_the_lock(
    competitors: list[subprocess.Popen[str]],
) -> None:
    """The schema does not exist yet either: both processes create it at once."""
    lines = start_race(competitors)

    outcomes = sorted(line[0] for line in lines)
    assert outcomes == ["acquired", "locked"]
    winner = next(i for i, line in enumerate(lines) if line[0] == "acquired")
    loser_line = lines[1 - winner]
    assert loser_line[1] == lines[winner][1]
    assert f"(pid {competitors[winner].pid}, apply)" in " ".join(loser_line[2:])


def test_a_killed_holder_frees_the_lock(
    competitors: list[subprocess.Popen[str]], open_pg: OpenPostgres
) -> None:
    lines = start_race(competitors)
    winner = competitors[0] if lines[0][0] == "acquired" else competitors[1]
    backend = open_pg()
    with pytest.raises(StateLocked):
        backend.acquire(LockInfo.current("plan"))

    winner.send_signal(signal.SIGKILL)
    winner.wait()
    mine = LockInfo.current("plan")
    acquire_eventually(backend, mine)

    assert open_pg().holder() == mine


def test_force_release_ends_a_live_holders_session(
    competitors: list[subprocess.Popen[str]], open_pg: OpenPostgres
) -> None:
    lines = start_race(competitors)
    winner_line = lines[0] if lines[0][0] == "acquired" else lines[1]
    backend = open_pg()

    backend.force_release(winner_line[1])

    assert backend.holder() is None
    backend.acquire(LockInfo.current("plan"))


def test_a_stale_holder_row_neither_locks_nor_blocks_unlock(
    open_pg: OpenPostgres, pg_schema: tuple[str, str]
) -> None:
    """A holder row without a session (left by a crash) is ignored, and unlock removes it."""
    dsn, schema = pg_schema
    backend = open_pg()
    assert backend.holder() is None  # creates the schema
    stale = LockInfo.current("apply")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("INSERT INTO {}.locks (workspace, info) VALUES (%s, %s)").format(
                sql.Identifier(schema)
            ),
            ["race", Jsonb(stale.model_dump())],
        )

    assert backend.holder() is None
    StateStore(backend).unlock(stale.id)

    with pytest.raises(StateError, match="not locked"):
        backend.force_release(stale.id)


def test_serial_conflict_between_two_stores(open_pg: OpenPostgres) -> None:
    first, second = StateStore(open_pg()), StateStore(open_pg())
    first.write(first.read())
    stale = second.read()
    first.write(first.read())

    with pytest.raises(StateConflict, match="serial is 2, expected 1"):
        second.write(stale)
    assert first.read().serial == 2


def test_state_created_by_another_store_is_a_conflict(open_pg: OpenPostgres) -> None:
    first, second = StateStore(open_pg()), StateStore(open_pg())
    mine, theirs = first.read(), second.read()
    first.write(mine)

    with pytest.raises(StateConflict):
        second.write(theirs)
    assert first.read().lineage == mine.lineage


def test_workspaces_do_not_block_each_other(open_pg: OpenPostgres) -> None:
    prod, staging = open_pg(workspace="prod"), open_pg(workspace="staging")
    prod_lock, staging_lock = LockInfo.current("apply"), LockInfo.current("apply")

    prod.acquire(prod_lock)
    staging.acquire(staging_lock)

    assert open_pg(workspace="prod").holder() == prod_lock
    assert open_pg(workspace="staging").holder() == staging_lock
    assert open_pg(workspace="prod").secret_key() != open_pg(workspace="staging").secret_key()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize(
    "dsn_template",
    [
        pytest.param("postgresql://reconciler:{password}@127.0.0.1:{port}/test", id="url"),
        pytest.param(
            "host=127.0.0.1 port={port} user=reconciler password={password}", id="key-value"
        ),
        pytest.param("postgresql://reconciler:{password}%zz@127.0.0.1:{port}/test", id="malformed"),
    ],
)
def test_errors_never_show_the_password(dsn_template: str) -> None:
    password = "s3cr3t-pw"
    dsn = dsn_template.format(password=password, port=closed_port())

    with pytest.raises(StateError) as caught:
        PostgresBackend(dsn).read_bytes()

    assert password not in str(caught.value)
    assert "\n" not in str(caught.value)


def test_repr_hides_the_password() -> None:
    backend = PostgresBackend("postgresql://reconciler:s3cr3t-pw@127.0.0.1:5432/test")

    assert "s3cr3t" not in repr(backend)
    assert "dbname=test" in repr(backend)


def test_server_errors_are_translated_and_redacted(pg_schema: tuple[str, str]) -> None:
    """An error raised by the server itself (not by libpq) becomes a StateError too."""
    dsn, _ = pg_schema
    backend = PostgresBackend(dsn, schema="pg_catalog")  # a schema no one may create tables in

    with pytest.raises(StateError, match="cannot read the state in PostgreSQL") as caught:
        backend.read_bytes()

    assert isinstance(caught.value.__cause__, psycopg.Error)
    assert "\n" not in str(caught.value)


def test_the_audit_trail_refuses_updates_and_deletes(
    open_pg: OpenPostgres, pg_schema: tuple[str, str]
) -> None:
    backend = open_pg(workspace="audited")
    backend.append_audit([("alice", b'{"trader": "alice"}')])
    dsn, schema = pg_schema

    for statement in ("UPDATE {}.audit SET trader = 'bob'", "DELETE FROM {}.audit"):
        with psycopg.connect(dsn, autocommit=True) as conn, pytest.raises(psycopg.Error):
            conn.execute(sql.SQL(statement).format(sql.Identifier(schema)))

    assert backend.read_audit("alice") == [b'{"trader": "alice"}']
