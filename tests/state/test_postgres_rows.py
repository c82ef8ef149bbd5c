"""PostgreSQL's row per record: a write touches only the changed rows, and a workspace stored
whole in one row by an earlier version is moved to rows on first use, once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from psycopg import sql

from reconciler.errors import StateConflict
from reconciler.state import Backend, PostgresBackend, StateDocument, StateStore
from tests.state.test_backend_contract import temporary_pg_schema
from tests.state.test_delta_writes import OP, RECORDS, change_three, record, seeded, stored


@pytest.fixture
def pg() -> Iterator[tuple[str, str]]:
    with temporary_pg_schema() as dsn_and_schema:
        yield dsn_and_schema


def row_versions(dsn: str, schema: str) -> dict[str, str]:
    query = sql.SQL("SELECT key, ctid::text FROM {}.state_entries").format(sql.Identifier(schema))
    with psycopg.connect(dsn) as conn:
        return {str(key): str(ctid) for key, ctid in conn.execute(query).fetchall()}


def test_postgres_writes_only_the_changed_rows(pg: tuple[str, str]) -> None:
    dsn, schema = pg
    store = StateStore(PostgresBackend(dsn, schema=schema))
    seeded(store)
    before = row_versions(dsn, schema)

    store.write(change_three(store.read()))

    after = row_versions(dsn, schema)
    touched = {key for key in after if before.get(key) != after[key]}
    assert touched == {"tradovate_user.t1", "tradovate_user.t2", OP.id}
    assert set(before) - set(after) == {"tradovate_user.t5"}


def write_one_row_layout(dsn: str, schema: str, backend: Backend, data: bytes) -> None:
    backend.holder()  # creates the tables
    insert = sql.SQL(
        "INSERT INTO {}.states (workspace, lineage, serial, data, updated_at)"
        " VALUES ('default', 'old', 4, %s, now())"
    ).format(sql.Identifier(schema))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(insert, [data])


@pytest.mark.parametrize("first", ["read", "write"])
def test_the_one_row_layout_moves_to_rows_on_first_use(pg: tuple[str, str], first: str) -> None:
    dsn, schema = pg
    backend = PostgresBackend(dsn, schema=schema)
    v3 = {
        "format_version": 3,
        "lineage": "old",
        "serial": 4,
        "resources": {"tradovate_user.t1": stored(record(1))},
    }
    write_one_row_layout(dsn, schema, backend, json.dumps(v3).encode())
    store = StateStore(backend)

    if first == "write":
        with pytest.raises(StateConflict):  # the moved serial is checked like any other
            backend.write_bytes(StateDocument.new().to_bytes(), expected_serial=3, lineage="old")
    document = store.read()
    written = store.write(change_three(document))

    assert document.serial == 4
    assert document.resources == {"tradovate_user.t1": record(1)}
    assert StateStore(PostgresBackend(dsn, schema=schema)).read() == written
    with psycopg.connect(dsn) as conn:
        left = sql.SQL("SELECT octet_length(data) FROM {}.states").format(sql.Identifier(schema))
        assert conn.execute(left).fetchone() == (0,)


def test_concurrent_movers_of_the_one_row_layout_agree(pg: tuple[str, str]) -> None:
    dsn, schema = pg
    editor = StateDocument.new(lineage="old").edit()
    for index in range(RECORDS):
        editor.put(f"tradovate_user.t{index}", record(index))
    document = change_three(editor.snapshot().model_copy(update={"serial": 4}))
    backend = PostgresBackend(dsn, schema=schema)
    write_one_row_layout(dsn, schema, backend, document.to_bytes())
    readers = [PostgresBackend(dsn, schema=schema) for _ in range(4)]

    with ThreadPoolExecutor(len(readers)) as pool:
        results = list(pool.map(lambda reader: StateStore(reader).read(), readers))

    assert all(result == document for result in results)
    assert len(row_versions(dsn, schema)) == len(document.resources) + len(document.pending)
