"""WAL a PostgreSQL state backend generates: the cluster's WAL position (every database's
writes count), and, where `pg_waldump` can read the server's WAL directory (a local server,
run with the rights to read it), only the WAL records of the state schema's tables, their
TOAST tables and indexes."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

RECORD = re.compile(r"len \(rec/tot\):\s*\d+/\s*(\d+)")
RELATION = re.compile(r"rel (\d+/\d+/\d+)")


@dataclass(frozen=True, slots=True)
class Position:
    lsn: str
    at: int


def position(dsn: str) -> Position:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        row = connection.execute(
            "SELECT pg_current_wal_lsn()::text, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')"
        ).fetchone()
    assert row is not None
    return Position(str(row[0]), int(row[1]))


def relations(dsn: str, schema: str) -> set[str]:
    """`tablespace/database/filenode` of every relation holding the schema's data."""
    import psycopg

    query = """
        WITH own AS (
            SELECT c.oid, c.reltoastrelid FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s
        ), every AS (
            SELECT oid FROM own
            UNION SELECT reltoastrelid FROM own WHERE reltoastrelid <> 0
            UNION SELECT indexrelid FROM pg_index
                WHERE indrelid IN (SELECT reltoastrelid FROM own WHERE reltoastrelid <> 0)
        )
        SELECT coalesce(nullif(c.reltablespace, 0), d.dattablespace)::text || '/' ||
               d.oid::text || '/' || pg_relation_filenode(c.oid)::text
        FROM pg_class c JOIN every e ON e.oid = c.oid
        JOIN pg_database d ON d.datname = current_database()
        WHERE pg_relation_filenode(c.oid) IS NOT NULL
    """
    with psycopg.connect(dsn, autocommit=True) as connection:
        return {str(row[0]) for row in connection.execute(query, (schema,))}


def _waldump() -> str | None:
    found = shutil.which("pg_waldump")
    if found:
        return found
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_waldump"))  # Debian's layout
    return str(debian[-1]) if debian else None


def _wal_directory(dsn: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(dsn, autocommit=True) as connection:
            row = connection.execute("SHOW data_directory").fetchone()
    except psycopg.Error:
        return None
    return None if row is None else f"{row[0]}/pg_wal"


def schema_wal(dsn: str, rels: set[str], start: Position, end: Position) -> int | None:
    """Bytes of the WAL records between `start` and `end` that touch `rels`; None when the
    WAL cannot be read here (no pg_waldump, no access, segments already recycled)."""
    waldump, directory = _waldump(), _wal_directory(dsn)
    if waldump is None or directory is None or start.at == end.at:
        return None if start.at != end.at else 0
    done = subprocess.run(
        [waldump, "-p", directory, "-s", start.lsn, "-e", end.lsn],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 and not done.stdout:
        return None
    total = 0
    for line in done.stdout.splitlines():
        size = RECORD.search(line)
        if size and any(rel in rels for rel in RELATION.findall(line)):
            total += int(size.group(1))
    return total
