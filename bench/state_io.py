"""State input/output at scale: a synthetic state of N traders (6.5 records each, the shape of
`generate.py`'s firm) read, changed for 10 traders and written, on either backend.

    python -m bench.state_io --size 10000 --backend local
    python -m bench.state_io --size 100000 --backend postgres --dsn postgresql://...

Each size runs in a process of its own and prints one JSON line: seconds and resident memory
added by a read, seconds and bytes of a 10-trader change (bytes written through write(2) for
the local backend, WAL bytes for PostgreSQL), seconds of a whole-document write, the state's
part of `state list` and `history` of one trader, and the largest single stored value
(PostgreSQL; at 1,000,000 traders too, memory allowing: `--size 1000000 --backend postgres`)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from reconciler.plan import Address
from reconciler.state import (
    AuditEntry,
    Backend,
    LocalBackend,
    PendingOperation,
    Provenance,
    ResourceState,
    StateDocument,
    StateStore,
)

CHANGED_TRADERS = 10
DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/test"
_STAMP = "2026-01-05T10:00:00Z"


def records_of(index: int) -> dict[str, ResourceState]:
    """One trader's records: user, contact, one or two accounts with their risk settings and
    entitlement, Tradervue and TraderPal users (6.5 on average)."""
    name = f"trader{index:07d}"
    person = {"first_name": "Trader", "last_name": f"Number {index}", "email": f"{name}@x.test"}
    records: dict[str, dict[str, dict[str, Any]]] = {
        f"tradovate_user.{name}": {
            "attributes": {**person, "name": name, "password": "hmac-sha256:" + "ab" * 32},
            "facts": {"status": "Active", "user_id": 100000 + index},
        },
        f"tradovate_contact.{name}": {
            "attributes": {**person, "city": "Chicago", "country": "US", "phone": "+13125550100"},
        },
        f"tradervue_user.{name}": {"attributes": {**person, "username": name, "plan": "silver"}},
        f"traderpal_user.{name}": {"attributes": {**person, "verification": "pending"}},
    }
    for account in range(1 if index % 2 else 2):
        key = f"{name}.eval{account}"
        settings = {"initial_balance": 50000, "daily_loss_auto_liq": 1100, "drawdown": 2500}
        records[f"tradovate_account.{key}"] = {"attributes": {"name": key, **settings}}
        if account == 0:
            records[f"tprop_entitlement.{key}"] = {"attributes": {"product": "T-Prop"}}
    return {
        address: ResourceState(
            remote_id=str(abs(hash(address)) % 10**9),
            natural_key=address.split(".", 1)[1],
            attributes=record["attributes"],
            facts=record.get("facts", {}),
            updated_at=_STAMP,
            created_at=_STAMP,
        )
        for address, record in records.items()
    }


def synthetic(size: int) -> StateDocument:
    editor = StateDocument.new().edit()
    for index in range(size):
        for address, record in records_of(index).items():
            editor.put(address, record)
    return editor.snapshot()


def resident_mib() -> float:
    with Path("/proc/self/statm").open() as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def written_bytes() -> int:
    with Path("/proc/self/io").open() as io:
        fields = dict(line.split(": ") for line in io.read().splitlines())
    return int(fields["wchar"])


def open_backend(kind: str, where: str, dsn: str) -> tuple[Backend, Any]:
    if kind == "local":
        return LocalBackend(Path(where), workspace="bench"), None
    import psycopg

    from reconciler.state import PostgresBackend

    return PostgresBackend(dsn, workspace="bench", schema=where), psycopg.connect(
        dsn, autocommit=True
    )


def wal_lsn(conn: Any) -> str:
    return str(conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0])


def wal_since(conn: Any, start: str) -> int:
    row = conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [start]).fetchone()
    return int(row[0])


def measure(size: int, kind: str, where: str, dsn: str) -> dict[str, Any]:
    backend, conn = open_backend(kind, where, dsn)
    store = StateStore(backend)
    document = synthetic(size)
    started = time.perf_counter()
    store.replace(store.read(), document)
    full_seconds = time.perf_counter() - started
    del document

    reader = StateStore(open_backend(kind, where, dsn)[0])
    before = resident_mib()
    started = time.perf_counter()
    current = reader.read()
    read_seconds = time.perf_counter() - started
    read_mib = resident_mib() - before

    editor = current.edit()
    for index in range(0, size, max(size // CHANGED_TRADERS, 1)):
        address = f"tradovate_contact.trader{index:07d}"
        record = editor.get(address)
        assert record is not None
        attributes = {**record.attributes, "city": "Boston"}
        editor.put(address, record.model_copy(update={"attributes": attributes}))
    operation = PendingOperation(
        id=uuid.uuid4().hex[:12],
        address="tradovate_contact.trader0000000",
        action="update",
        natural_key="trader0000000",
        started_at=_STAMP,
    )
    editor.add_pending(operation)
    lsn = wal_lsn(conn) if conn is not None else ""
    wrote = written_bytes()
    started = time.perf_counter()
    current = reader.write(editor.snapshot())
    editor = current.edit()
    editor.clear_pending([operation.id])
    reader.write(editor.snapshot())
    change_seconds = time.perf_counter() - started
    change_bytes = wal_since(conn, lsn) if conn is not None else written_bytes() - wrote
    result: dict[str, Any] = {
        "backend": kind,
        "traders": size,
        "records": len(current.resources),
        "read_s": round(read_seconds, 3),
        "read_mib": round(read_mib, 1),
        "change_s": round(change_seconds, 3),
        "change_mb": round(change_bytes / 1e6, 3),
        "full_write_s": round(full_seconds, 3),
    }
    result.update(queries(reader, current))
    if conn is not None:
        result["largest_value_kb"] = round(largest_value(conn, where) / 1e3, 1)
        conn.close()
    return result


def queries(store: StateStore, document: StateDocument) -> dict[str, float]:
    """Seconds of the state's part of `state list` (addresses sorted with their remote ids, from
    a fresh read) and of `history` of one trader, with one audit entry per record."""
    stamp = Provenance(actor="bench@host", command="apply", plan="p")
    entries = [
        AuditEntry.of(
            stamp,
            at=_STAMP,
            trader=address.partition(".")[2].partition(".")[0],
            address=address,
            action="create",
            outcome="ok",
            remote_id=record.remote_id,
        )
        for address, record in document.resources.items()
    ]
    for start in range(0, len(entries), 50_000):
        store.append_audit(entries[start : start + 50_000])
    del entries
    started = time.perf_counter()
    resources = store.read().resources
    remote_id = getattr(resources, "remote_id", None)  # the CLI's way, where there is one
    if remote_id is None:
        listed = [
            f"{a}\t{resources[str(a)].remote_id}" for a in sorted(resources, key=Address.parse)
        ]
    else:
        listed = [f"{a}\t{remote_id(a)}" for a in sorted(resources, key=_listing_order)]
    list_seconds = time.perf_counter() - started
    started = time.perf_counter()
    found = store.history("trader0000005")
    history_seconds = time.perf_counter() - started
    assert listed
    assert found
    return {"list_s": round(list_seconds, 3), "history_s": round(history_seconds, 3)}


def _listing_order(text: str) -> tuple[str, str, str]:
    kind, _, rest = text.partition(".")
    trader, _, child = rest.partition("/")
    return trader, kind, child


def largest_value(conn: Any, schema: str) -> int:
    """The largest single value stored in the schema's tables (each column of each row)."""
    from psycopg import sql

    largest = 0
    tables = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s",
        [schema],
    ).fetchall()
    for table, column in tables:
        query = sql.SQL("SELECT coalesce(max(pg_column_size({})), 0) FROM {}.{}").format(
            sql.Identifier(column), sql.Identifier(schema), sql.Identifier(table)
        )
        largest = max(largest, int(conn.execute(query).fetchone()[0]))
    return largest


def one(size: int, kind: str, dsn: str) -> None:
    if kind == "local":
        with tempfile.TemporaryDirectory(prefix="state-io-") as folder:
            print(json.dumps(measure(size, kind, folder, dsn)), flush=True)
        return
    import psycopg
    from psycopg import sql

    schema = f"bench_state_{uuid.uuid4().hex[:8]}"
    try:
        print(json.dumps(measure(size, kind, schema, dsn)), flush=True)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, action="append", help="traders (repeatable)")
    parser.add_argument("--backend", choices=["local", "postgres", "both"], default="both")
    parser.add_argument("--dsn", default=os.environ.get("RECONCILER_PG_DSN", DEFAULT_DSN))
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    sizes = options.size or [10_000, 100_000]
    kinds = ["local", "postgres"] if options.backend == "both" else [options.backend]
    if options.one:
        one(sizes[0], kinds[0], options.dsn)
        return
    for size in sizes:
        for kind in kinds:
            command = [sys.executable, "-m", "bench.state_io", "--one", "--size", str(size)]
            subprocess.run([*command, "--backend", kind, "--dsn", options.dsn], check=False)


if __name__ == "__main__":
    main()
