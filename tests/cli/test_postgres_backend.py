"""The postgres state backend chosen in the Firm manifest: apply, workspaces, concurrent
applies from two processes, a killed holder, and no secret in any row."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql

from reconciler.providers.tradovate.sandbox import SandboxConfig
from reconciler.state import PostgresBackend
from tests.project import SECRETS, Project
from tests.state.test_backend_contract import temporary_pg_schema

SLOW = pytest.mark.parametrize(
    "sandbox_config", [SandboxConfig(latency=0.25)], ids=["slow-platform"]
)
"""Slow enough that a second process starts while the first apply holds the lock."""


@pytest.fixture
def pg(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """The project's state in a fresh schema of the test database."""
    with temporary_pg_schema() as (dsn, schema):
        monkeypatch.setenv("RECONCILER_PG_DSN", dsn)
        firm = project.manifests / "firm.yaml"
        firm.write_text(
            firm.read_text() + f"settings:\n  state: {{backend: postgres, schema: {schema}}}\n"
        )
        yield dsn, schema


def rows(dsn: str, schema: str, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn) as conn:
        statement = sql.SQL(query).format(schema=sql.Identifier(schema))
        return conn.execute(statement).fetchall()


def reconciler(project: Project, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", "--no-color", "-m", str(project.manifests), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ.copy(),
    )


def wait_for_lock(dsn: str, schema: str) -> None:
    backend = PostgresBackend(dsn, schema=schema)
    deadline = time.monotonic() + 30
    while backend.holder() is None:
        assert time.monotonic() < deadline, "the apply never took the lock"
        time.sleep(0.02)


def test_apply_keeps_state_and_history_in_postgres(project: Project, pg: tuple[str, str]) -> None:
    applied = project.run("apply", "--auto-approve")

    assert applied.exit_code == 0, applied.output
    assert project.run("plan", "--detailed-exitcode").exit_code == 0
    assert not (project.root / "state" / "default.state.json").exists()
    ((serial, lineage),) = rows(*pg, "SELECT serial, lineage FROM {schema}.states")
    pulled = json.loads(project.run("state", "pull").output)
    assert (pulled["serial"], pulled["lineage"]) == (serial, lineage)
    assert "tradovate_user.alice" in project.run("history", "alice").output


def test_no_secret_in_any_postgres_row(project: Project, pg: tuple[str, str]) -> None:
    project.run("apply", "--auto-approve")
    handout = project.root / "state" / "generated-passwords.csv"
    generated = [line.split(",")[4] for line in handout.read_text().splitlines()[1:]]
    assert len(generated) == 2

    stored = rows(*pg, "SELECT data FROM {schema}.states")[0][0]
    assert isinstance(stored, bytes)
    audit = " ".join(str(r[0]) for r in rows(*pg, "SELECT entry::text FROM {schema}.audit"))
    locks = " ".join(str(r[0]) for r in rows(*pg, "SELECT info::text FROM {schema}.locks"))
    entries = " ".join(str(r) for r in rows(*pg, "SELECT key, entry FROM {schema}.state_entries"))
    assert "tradovate_user.alice" in audit
    assert "tradovate_user.alice" in entries  # the records are there, checked for secrets
    for secret in [*SECRETS.values(), *generated, pg[0]]:
        for text in (stored.decode(), audit, locks, entries):
            assert secret not in text


def test_workspaces_keep_separate_state(
    project: Project, pg: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project.run("apply", "--auto-approve")

    staging = project.run("--workspace", "staging", "state", "list")
    monkeypatch.setenv("RECONCILER_WORKSPACE", "staging")
    from_env = project.run("state", "list")
    monkeypatch.delenv("RECONCILER_WORKSPACE")

    assert staging.exit_code == 0
    assert staging.output == from_env.output == ""
    assert "tradovate_user.alice" in project.run("state", "list").output
    workspaces = rows(*pg, "SELECT workspace FROM {schema}.states ORDER BY workspace")
    assert workspaces == [("default",)]


@contextmanager
def state_writes_held(dsn: str, schema: str) -> Iterator[None]:
    """Hold every write of the state table until the block ends (reads go on): an apply that
    took the lock waits at its first state write, however fast or slow this machine is."""
    PostgresBackend(dsn, schema=schema).holder()  # creates the schema's tables
    with psycopg.connect(dsn) as conn:  # one transaction, committed when the block ends
        conn.execute(
            sql.SQL("LOCK TABLE {}.states IN EXCLUSIVE MODE").format(sql.Identifier(schema))
        )
        yield


def wait_for_held_writer(dsn: str, schema: str) -> None:
    """Until a session waits for the state table (the holder's first state write, held above)."""
    query = (
        "SELECT count(*) FROM pg_locks WHERE NOT granted"
        " AND relation = (quote_ident(%s) || '.states')::regclass"
    )
    deadline = time.monotonic() + 60
    with psycopg.connect(dsn, autocommit=True) as conn:
        while _scalar(conn.execute(query, [schema]).fetchone()) == 0:
            assert time.monotonic() < deadline, "the apply never reached its first state write"
            time.sleep(0.02)


def _scalar(row: tuple[object, ...] | None) -> object:
    return row[0] if row else None


def test_a_second_apply_fails_fast_naming_the_holder(project: Project, pg: tuple[str, str]) -> None:
    """The first apply is held inside its lock until the second has failed (no race)."""
    with state_writes_held(*pg):
        first = reconciler(project, "apply", "--auto-approve")
        try:
            wait_for_lock(*pg)
            wait_for_held_writer(*pg)
            second = reconciler(project, "apply", "--auto-approve")
            second_output, _ = second.communicate(timeout=60)
        except BaseException:
            first.kill()
            raise
    try:
        first_output, _ = first.communicate(timeout=60)
    finally:
        first.kill()
    assert second.returncode == 1, second_output
    assert "locked" in second_output
    assert f"pid {first.pid}, apply" in second_output
    assert first.returncode == 0, first_output
    assert project.run("plan", "--detailed-exitcode").exit_code == 0


@SLOW
def test_a_killed_apply_leaves_no_lock_behind(project: Project, pg: tuple[str, str]) -> None:
    first = reconciler(project, "apply", "--auto-approve")
    wait_for_lock(*pg)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)

    deadline = time.monotonic() + 10
    result = project.run("apply", "--auto-approve")
    while result.exit_code != 0 and "locked" in result.output and time.monotonic() < deadline:
        result = project.run("apply", "--auto-approve")  # the server notices the dead session

    assert result.exit_code == 0, result.output
    assert "unlock" not in result.output
    assert project.run("plan", "--detailed-exitcode").exit_code == 0


def test_postgres_without_a_dsn_is_a_clear_error(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RECONCILER_PG_DSN", raising=False)

    result = project.run("--backend", "postgres", "plan")

    assert result.exit_code == 1
    assert "the postgres state backend needs a DSN" in result.output
    assert "Traceback" not in result.output
