"""Connections of the PostgreSQL backend: the DSN (its password never shown), fresh autocommit
sessions with the schema created on first use, and psycopg errors translated to one line."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import LiteralString
from urllib.parse import urlsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import TupleRow

from reconciler.errors import StateConflict, StateError
from reconciler.state.postgres_schema import DDL, SCHEMA_EXISTS, TABLE_COUNT, TABLES

_CONNECT_TIMEOUT_SECONDS = 10
Connection = psycopg.Connection[TupleRow]


def advisory_key(text: str) -> int:
    """A signed 64-bit advisory lock key derived from `text` (the first 8 bytes of its SHA-256)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big", signed=True)


class PostgresConnection:
    """Where a workspace's tables live (`schema`) and how to reach them; `location` names the
    server without the password, for messages."""

    def __init__(self, dsn: str, *, workspace: str, schema: str) -> None:
        try:
            params = conninfo_to_dict(dsn)
        except psycopg.Error:
            # libpq quotes the offending part of the DSN, which may be the password
            raise StateError(
                "invalid PostgreSQL DSN (details withheld: it may hold a password)"
            ) from None
        if not workspace:
            raise StateError("the workspace name must not be empty")
        if not schema:
            raise StateError("the schema name must not be empty")
        self.workspace = workspace
        self.schema = schema
        self._secrets = _secret_forms(dsn, params.get("password"))
        defaults: dict[str, str | int] = {
            "connect_timeout": _CONNECT_TIMEOUT_SECONDS,
            "application_name": "reconciler",
        }
        self._conninfo = make_conninfo(
            dsn, **{name: value for name, value in defaults.items() if name not in params}
        )
        shown = ("host", "port", "dbname", "user")
        self.location = " ".join(f"{name}={params[name]}" for name in shown if name in params)
        self._is_ready = False

    @contextmanager
    def session(self, action: str) -> Iterator[Connection]:
        """A fresh autocommit connection with the schema in place, closed after the block."""
        with self.translated(action), self.connect() as conn:
            self.ensure_schema(conn)
            yield conn

    def connect(self) -> Connection:
        return psycopg.connect(self._conninfo, autocommit=True)

    def ensure_schema(self, conn: Connection) -> None:
        """Create the schema and tables unless they exist (once per backend)."""
        # The transaction-level advisory lock serialises concurrent creators: CREATE ... IF NOT
        # EXISTS alone can still fail with a duplicate error when two sessions race. CREATE
        # SCHEMA is skipped when the schema exists: it needs the CREATE privilege even then.
        if self._is_ready:
            return
        with conn.transaction():
            if self._missing_tables(conn):
                conn.execute("SELECT pg_advisory_xact_lock(%s)", [advisory_key("reconciler:ddl")])
            if self._missing_tables(conn):
                row = conn.execute(SCHEMA_EXISTS, [self.schema])
                if not scalar(row):
                    conn.execute(self.sql("CREATE SCHEMA IF NOT EXISTS {schema}"))
                for statement in DDL:
                    conn.execute(self.sql(statement))
        self._is_ready = True

    def _missing_tables(self, conn: Connection) -> bool:
        row = conn.execute(TABLE_COUNT, [self.schema, list(TABLES)])
        return scalar(row) != len(TABLES)

    def sql(self, template: LiteralString) -> sql.Composed:
        """`template` with `{schema}` filled in as a quoted identifier."""
        return sql.SQL(template).format(schema=sql.Identifier(self.schema))

    @contextmanager
    def translated(self, action: str) -> Iterator[None]:
        """Turn psycopg errors into StateConflict or StateError: one line, password redacted."""
        try:
            yield
        except (psycopg.errors.UniqueViolation, psycopg.errors.SerializationFailure) as exc:
            raise StateConflict(f"cannot {action}: the state changed meanwhile") from exc
        except psycopg.Error as exc:
            detail = " ".join(str(exc).split()) or type(exc).__name__
            for secret in self._secrets:
                detail = detail.replace(secret, "***")
            raise StateError(f"cannot {action} in PostgreSQL ({self.location}): {detail}") from exc


def _secret_forms(dsn: str, password: object) -> tuple[str, ...]:
    """The password as given in a URL DSN and as decoded, to redact from messages."""
    forms = {str(password or "")}
    with suppress(ValueError):
        forms.add(urlsplit(dsn).password or "")
    return tuple(sorted((form for form in forms if form), key=len, reverse=True))


def scalar(cursor: psycopg.Cursor[TupleRow]) -> object:
    """The first column of the cursor's first row, or None without a row."""
    row = cursor.fetchone()
    return None if row is None else row[0]


def bytes_or_none(value: object) -> bytes | None:
    return value if isinstance(value, bytes) else None  # bytea always loads as bytes


__all__ = ["Connection", "PostgresConnection", "advisory_key", "bytes_or_none", "scalar"]
