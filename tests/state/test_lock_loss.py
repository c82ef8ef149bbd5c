"""A lost lock stops its holder before its next round of platform calls: the round in flight
is recorded, the rest is not sent, and the apply ends with a clear one-line error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from reconciler.apply.events import BatchFinished, Event
from reconciler.errors import LockLost
from reconciler.state import LockInfo, PostgresBackend
from reconciler.state.postgres_connection import advisory_key
from reconciler.state.postgres_schema import ADVISORY_HOLDERS
from reconciler.workspace import open_workspace
from tests.project import Project, calls
from tests.state.test_backend_contract import temporary_pg_schema


def apply_losing_the_lock(project: Project, lose: Callable[[], None]) -> LockLost:
    """Apply the project's plan; when its first batch is done, `lose` takes the lock away."""
    with open_workspace(project.manifests) as workspace, workspace.store.lock(command="apply"):
        document = workspace.store.read()
        plan, remote = workspace.plan(document)
        lost: list[BatchFinished] = []

        def sink(event: Event) -> None:
            if isinstance(event, BatchFinished) and not lost:
                lost.append(event)
                lose()
                project.clear_requests()

        with pytest.raises(LockLost) as raised:
            workspace.apply(plan, remote, document, sink=sink)
    assert lost, "the apply made no batch"
    return raised.value


def terminate_holder(dsn: str, schema: str) -> None:
    """`pg_terminate_backend` on the session holding the workspace's advisory lock."""
    unsigned = advisory_key(f"reconciler:{schema}:default") & 0xFFFF_FFFF_FFFF_FFFF
    with psycopg.connect(dsn, autocommit=True) as conn:
        pids = conn.execute(ADVISORY_HOLDERS, [unsigned >> 32, unsigned & 0xFFFF_FFFF]).fetchall()
        assert len(pids) == 1, pids
        conn.execute("SELECT pg_terminate_backend(%s::int, 5000::int8)", [pids[0][0]])


def test_a_terminated_postgres_session_stops_the_apply(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    with temporary_pg_schema() as (dsn, schema):
        monkeypatch.setenv("RECONCILER_PG_DSN", dsn)
        firm = project.manifests / "firm.yaml"
        firm.write_text(
            firm.read_text() + f"settings:\n  state: {{backend: postgres, schema: {schema}}}\n"
        )
        error = apply_losing_the_lock(project, lambda: terminate_holder(dsn, schema))
        assert "PostgreSQL session" in str(error)
        assert calls(project, writes_only=True) == []  # nothing after the loss
        result = project.run("plan")
        assert "interrupted apply" in result.output or result.exit_code == 0, result.output


def test_a_removed_lock_file_stops_the_apply(project: Project) -> None:
    lock = project.root / "state" / "default.lock"
    error = apply_losing_the_lock(project, lambda: Path(lock).unlink())
    assert "was removed" in str(error)
    assert "state lock was lost" in str(error)
    assert calls(project, writes_only=True) == []
    applied = project.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output


def test_unlock_refuses_a_live_postgres_session_unless_forced(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    with temporary_pg_schema() as (dsn, schema):
        monkeypatch.setenv("RECONCILER_PG_DSN", dsn)
        firm = project.manifests / "firm.yaml"
        firm.write_text(
            firm.read_text() + f"settings:\n  state: {{backend: postgres, schema: {schema}}}\n"
        )
        holder = PostgresBackend(dsn, schema=schema)
        info = LockInfo.current("apply")
        holder.acquire(info)
        try:
            refused = project.run("state", "unlock", info.id)
            assert refused.exit_code == 1
            assert "its PostgreSQL session is active" in refused.output
            assert holder.lost(info.id) is None
            forced = project.run("state", "unlock", "--force", info.id)
            assert forced.exit_code == 0, forced.output
            assert "pg_terminate_backend" in forced.output
            assert holder.lost(info.id) == "its PostgreSQL session ended"
        finally:
            holder.close()
