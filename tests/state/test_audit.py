"""Audit entries: stamped with provenance, one JSON line each, torn lines skipped on read."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from reconciler.state import AuditEntry, LocalBackend, Provenance, StateStore
from reconciler.state.audit import iter_entries, parse_entries

STAMP = Provenance(actor="ops@ci", command="apply", plan="abc123def456", commit="0" * 40)


def entry(trader: str, action: str = "create") -> AuditEntry:
    return AuditEntry.of(
        STAMP,
        at="2026-11-23T10:00:00Z",
        trader=trader,
        address=f"tradovate_user.{trader}",
        action=action,
        outcome="ok",
        remote_id="42",
    )


def test_entry_is_one_json_line_with_its_provenance() -> None:
    line = entry("alice").to_bytes()

    assert b"\n" not in line
    canonical = json.dumps(
        json.loads(line), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    assert line == canonical.encode()
    assert json.loads(line) == {
        "action": "create",
        "actor": "ops@ci",
        "address": "tradovate_user.alice",
        "at": "2026-11-23T10:00:00Z",
        "command": "apply",
        "commit": "0" * 40,
        "error": None,
        "outcome": "ok",
        "plan": "abc123def456",
        "remote_id": "42",
        "trader": "alice",
    }


def test_store_history_filters_by_trader(tmp_path: Path) -> None:
    store = StateStore(LocalBackend(tmp_path / "state"))
    store.append_audit([entry("alice"), entry("bob"), entry("alice", "update")])

    assert [e.action for e in store.history("alice")] == ["create", "update"]
    assert len(store.history()) == 3


def test_a_torn_line_is_skipped_and_does_not_spoil_the_next_append(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backend = LocalBackend(tmp_path / "state")
    store = StateStore(backend)
    store.append_audit([entry("alice")])
    with backend.audit_path.open("ab") as file:
        file.write(b'{"at": "2026-11-23T10:00:01Z", "trad')

    store.append_audit([entry("alice", "update")])
    with caplog.at_level(logging.WARNING):
        entries = store.history()

    assert [e.action for e in entries] == ["create", "update"]
    assert "unreadable audit trail entry" in caplog.text
    assert [e.action for e in store.history("alice")] == ["create", "update"]


def test_history_of_a_trader_named_elsewhere_in_other_entries_is_only_theirs(
    tmp_path: Path,
) -> None:
    """The scan for a trader's lines finds their name anywhere; only their entries count."""
    backend = LocalBackend(tmp_path / "state")
    store = StateStore(backend)
    store.append_audit([entry("alice", action="bob"), entry("bob"), entry("bobby")])
    with backend.audit_path.open("ab") as file:  # written by hand, with spaces
        file.write(b'{"action": "edit", "trader": "bob"}\n')

    assert [e.action for e in store.history("bob")] == ["create"]
    assert [json.loads(line)["action"] for line in backend.read_audit("bob")] == [
        "create",
        "edit",
    ]


def test_entries_holding_a_text_are_the_only_ones_parsed_and_a_torn_one_is_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    who = Provenance(actor="ops@host", command="apply")
    lines = [
        AuditEntry.of(
            who, at="t1", trader="ann", address=address, action="create", outcome="ok"
        ).to_bytes()
        for address in ("tradovate_user.ann", "tradovate_account.ann/A1", "traderpal_user.ann")
    ]
    lines.insert(2, b'{"address":"tradovate_user.bo')  # a torn last write, mid-trail here
    with caplog.at_level(logging.WARNING):
        entries = list(iter_entries(lines, holding=b"_user."))
    assert [e.address for e in entries] == ["tradovate_user.ann", "traderpal_user.ann"]
    assert "skipped an unreadable audit trail entry" in caplog.text
    assert [e.address for e in iter_entries(lines)] == [e.address for e in parse_entries(lines)]
    assert len(parse_entries(lines)) == 3
