"""The journal's moves: every record re-addressed at once, audited, in one state write."""

from __future__ import annotations

from pathlib import Path

from reconciler.apply.journal import Journal
from reconciler.plan import Address
from reconciler.state import LocalBackend, Provenance, ResourceState, StateDocument, StateStore


def record(remote_id: str) -> ResourceState:
    return ResourceState(remote_id=remote_id, attributes={}, updated_at="2026-01-01T00:00:00Z")


def test_a_swap_moves_both_records_in_one_write(tmp_path: Path) -> None:
    store = StateStore(LocalBackend(tmp_path))
    document = store.write(
        StateDocument.new().model_copy(
            update={
                "resources": {
                    "tradovate_user.alice": record("1"),
                    "tradovate_user.bob": record("2"),
                }
            }
        )
    )
    journal = Journal(
        store, document, clock=lambda: 0.0, provenance=Provenance(actor="a@h", command="apply")
    )

    journal.prepare(
        {},
        moved=[
            (Address.parse("tradovate_user.alice"), Address.parse("tradovate_user.bob")),
            (Address.parse("tradovate_user.bob"), Address.parse("tradovate_user.tmp")),
        ],
    )

    stored = store.read()
    assert stored.serial == document.serial + 1
    assert {a: r.remote_id for a, r in stored.resources.items()} == {
        "tradovate_user.bob": "1",
        "tradovate_user.tmp": "2",
    }
    assert [(e.address, e.action) for e in store.history()] == [
        ("tradovate_user.bob", "move from tradovate_user.alice"),
        ("tradovate_user.tmp", "move from tradovate_user.bob"),
    ]
