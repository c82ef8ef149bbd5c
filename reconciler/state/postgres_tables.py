"""The PostgreSQL backend's append-mostly tables: the `audit` trail and the `handout` of sealed
generated passwords kept until pulled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import LiteralString

from reconciler.state.postgres_connection import PostgresConnection


def append_records(db: PostgresConnection, records: Sequence[tuple[str, bytes]]) -> None:
    """Keep sealed hand-out records (id, sealed bytes) until they are pulled."""
    with db.session("keep the hand-out records") as conn, conn.transaction():
        for record_id, sealed in records:
            conn.execute(
                db.sql("INSERT INTO {schema}.handout (id, workspace, sealed) VALUES (%s, %s, %s)"),
                [record_id, db.workspace, sealed],
            )


def pending_records(db: PostgresConnection) -> list[tuple[str, bytes]]:
    """The sealed hand-out records not yet delivered, oldest first."""
    with db.session("read the hand-out records") as conn:
        rows = conn.execute(
            db.sql(
                "SELECT id, sealed FROM {schema}.handout WHERE workspace = %s"
                " AND delivered_at IS NULL ORDER BY created_at, id"
            ),
            [db.workspace],
        ).fetchall()
    return [(str(row[0]), bytes(row[1])) for row in rows]


def mark_delivered(db: PostgresConnection, ids: Sequence[str], *, at: str) -> None:
    """Mark pulled records delivered (they are not handed out again)."""
    with db.session("mark hand-out records delivered") as conn:
        conn.execute(
            db.sql(
                "UPDATE {schema}.handout SET delivered_at = %s::timestamptz"
                " WHERE workspace = %s AND id = ANY(%s)"
            ),
            [at, db.workspace, list(ids)],
        )


def append_audit(db: PostgresConnection, records: Sequence[tuple[str, bytes]]) -> None:
    """Insert one row per (trader, entry) in one transaction."""
    if not records:
        return
    rows = [(db.workspace, trader, line.decode("utf-8")) for trader, line in records]
    insert = "INSERT INTO {schema}.audit (workspace, trader, entry) VALUES (%s, %s, %s::jsonb)"
    with (
        db.session("append to the audit trail") as conn,
        conn.transaction(),
        conn.cursor() as cursor,
    ):
        cursor.executemany(db.sql(insert), rows)


def read_audit(db: PostgresConnection, trader: str | None) -> list[bytes]:
    """The workspace's entries in the order they were appended, only `trader`'s if given."""
    query: LiteralString = "SELECT entry::text FROM {schema}.audit WHERE workspace = %s"
    params = [db.workspace]
    if trader is not None:
        query += " AND trader = %s"
        params.append(trader)
    with db.session("read the audit trail") as conn:
        rows = conn.execute(db.sql(query + " ORDER BY id"), params).fetchall()
    return [str(entry).encode("utf-8") for (entry,) in rows]


__all__ = ["append_audit", "append_records", "mark_delivered", "pending_records", "read_audit"]
