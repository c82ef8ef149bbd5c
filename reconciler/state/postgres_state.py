"""The PostgreSQL backend's state tables: a small header row per workspace (`states`: lineage,
serial, format version, key check), locked `FOR UPDATE` to check the serial, and one row per
record or pending operation (`state_entries`, keyed by workspace, kind and key, the entry as
its canonical JSON text), of which a write upserts or deletes only those that changed.

The first layout kept the whole document in the header row's `data`; a workspace still stored
so is moved to entry rows by the first read or write, under the header row's lock (a
concurrent mover waits, then finds `data` emptied).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from reconciler.errors import StateError
from reconciler.state.backend import check_header
from reconciler.state.delta import StateDelta
from reconciler.state.encoding import (
    RawDocument,
    StateHeader,
    decode_document,
    dump_compact,
    encode,
)
from reconciler.state.postgres_connection import Connection, PostgresConnection

_KINDS = {"resources": "resource", "pending": "pending"}
"""The document map each kind of entry row belongs to."""

_COPY_LINES = 10_000
_UPSERT = (
    "INSERT INTO {schema}.state_entries (workspace, kind, key, entry) VALUES (%s, %s, %s, %s)"
    " ON CONFLICT (workspace, kind, key) DO UPDATE SET entry = excluded.entry"
)
_HEADER = (
    "SELECT lineage, serial, format_version, key_check, octet_length(data) > 0"
    " FROM {schema}.states WHERE workspace = %s"
)


def read_document(db: PostgresConnection) -> RawDocument | None:
    """The workspace's document from one snapshot of its rows, or None."""
    with db.session("read the state") as conn:
        for _ in range(2):
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                header = conn.execute(db.sql(_HEADER), [db.workspace]).fetchone()
                if header is None:
                    return None
                if not header[4]:
                    return _document(db, conn, header)
            with conn.transaction():
                _locked_header(db, conn)  # moves the one-row document to the entry rows
    raise StateError(f"the state of workspace {db.workspace!r} keeps changing its layout")


def read_header(db: PostgresConnection) -> StateHeader | None:
    """Lineage and serial of the workspace's header row (one small query), or None."""
    with db.session("read the state") as conn:
        row = conn.execute(db.sql(_HEADER), [db.workspace]).fetchone()
    return None if row is None else StateHeader(lineage=str(row[0]), serial=int(row[1]))


def read_bytes(db: PostgresConnection) -> bytes | None:
    raw = read_document(db)
    return None if raw is None else encode(raw)


def write_document(
    db: PostgresConnection, data: bytes, *, expected_serial: int | None, lineage: str
) -> None:
    """Replace every row of the workspace with the document `data`, if serial and lineage
    still match."""
    raw = decode_document(data)
    with db.session("write the state") as conn, conn.transaction():
        current = _locked_header(db, conn)
        check_header(current, expected_serial=expected_serial, lineage=lineage)
        conn.execute(
            db.sql("DELETE FROM {schema}.state_entries WHERE workspace = %s"), [db.workspace]
        )
        _install(db, conn, raw, is_new=current is None)


def write_delta(
    db: PostgresConnection, delta: StateDelta, *, expected_serial: int, lineage: str
) -> None:
    """Upsert and delete the rows `delta` changes and update the header, in one transaction
    that holds the header row locked."""
    with db.session("write the state") as conn, conn.transaction():
        current = _locked_header(db, conn)
        check_header(current, expected_serial=expected_serial, lineage=lineage)
        for name, kind in _KINDS.items():
            changes: Mapping[str, Any] = getattr(delta, name)
            gone = [key for key, value in changes.items() if value is None]
            if gone:
                conn.execute(
                    db.sql(
                        "DELETE FROM {schema}.state_entries"
                        " WHERE workspace = %s AND kind = %s AND key = ANY(%s)"
                    ),
                    [db.workspace, kind, gone],
                )
            rows = [
                (db.workspace, kind, key, _entry_text(kind, value))
                for key, value in changes.items()
                if value is not None
            ]
            if rows:
                with conn.cursor() as cursor:
                    cursor.executemany(db.sql(_UPSERT), rows)
        _write_header(db, conn, delta.header, is_new=False)


def _document(db: PostgresConnection, conn: Connection, header: tuple[Any, ...]) -> RawDocument:
    """The document of `header` and the workspace's entry rows (records left as their text)."""
    lineage, serial, format_version, key_check, _ = header
    raw: RawDocument = {
        "format_version": format_version,
        "key_check": key_check,
        "lineage": lineage,
        "serial": serial,
    }
    rows = conn.execute(
        db.sql("SELECT kind, key, entry FROM {schema}.state_entries WHERE workspace = %s"),
        [db.workspace],
    ).fetchall()
    resources: dict[str, str] = {}
    pending: dict[str, Any] = {}
    for kind, key, entry in rows:
        if kind == "resource":
            resources[key] = entry  # kept as the record's canonical text
        else:
            pending[key] = json.loads(entry)
    raw["resources"], raw["pending"] = resources, pending
    return raw


def _locked_header(db: PostgresConnection, conn: Connection) -> StateHeader | None:
    """The header row locked for this transaction; a document in the one-row layout is moved
    to entry rows first."""
    row = conn.execute(db.sql(_HEADER + " FOR UPDATE"), [db.workspace]).fetchone()
    if row is None:
        return None
    if row[4]:
        with conn.cursor(binary=True) as cursor:  # text would double it (hex)
            data = cursor.execute(
                db.sql("SELECT data FROM {schema}.states WHERE workspace = %s"), [db.workspace]
            ).fetchone()
        assert data is not None  # the row is locked
        conn.execute(
            db.sql("DELETE FROM {schema}.state_entries WHERE workspace = %s"), [db.workspace]
        )
        _install(db, conn, decode_document(bytes(data[0])), is_new=False)
    return StateHeader(lineage=str(row[0]), serial=int(row[1]))


def _install(db: PostgresConnection, conn: Connection, raw: RawDocument, *, is_new: bool) -> None:
    """Write the header and every entry of `raw` (the workspace has no entry rows)."""
    _write_header(db, conn, raw, is_new=is_new)
    copy_rows = "COPY {schema}.state_entries (workspace, kind, key, entry) FROM STDIN"
    with conn.cursor() as cursor, cursor.copy(db.sql(copy_rows)) as copy:
        for name, kind in _KINDS.items():
            entries = raw.get(name) or {}
            prefix = f"{_copy_text(db.workspace)}\t{kind}\t"
            lines = [
                f"{prefix}{_copy_text(key)}\t{_copy_text(_entry_text(kind, value))}\n"
                for key, value in entries.items()
            ]
            for start in range(0, len(lines), _COPY_LINES):
                copy.write("".join(lines[start : start + _COPY_LINES]))


def _entry_text(kind: str, value: Any) -> str:
    """A record is stored as its canonical text, a pending operation encoded."""
    return str(value) if kind == "resource" else dump_compact(value)


def _copy_text(text: str) -> str:
    """`text` as a field of COPY's text format."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        text = text.replace("\r", "\\r")
    return text


def _write_header(
    db: PostgresConnection, conn: Connection, header: Mapping[str, Any], *, is_new: bool
) -> None:
    # A first write inserts: of two racing first writers, one fails on the primary key.
    statement = (
        "INSERT INTO {schema}.states"
        " (lineage, serial, format_version, key_check, data, updated_at, workspace)"
        " VALUES (%s, %s, %s, %s, '', now(), %s)"
        if is_new
        else "UPDATE {schema}.states SET lineage = %s, serial = %s, format_version = %s,"
        " key_check = %s, data = '', updated_at = now() WHERE workspace = %s"
    )
    values = [header.get(name) for name in ("lineage", "serial", "format_version", "key_check")]
    conn.execute(db.sql(statement), [*values, db.workspace])


__all__ = ["read_bytes", "read_document", "read_header", "write_delta", "write_document"]
