"""Grouping a wave into provider batches."""

from __future__ import annotations

from reconciler.apply.batching import make_batches
from reconciler.plan import Action, Address, Change


def test_batches_split_by_kind_and_action_at_the_declared_size() -> None:
    wave = [Change(Address("demo_user", f"t{i}"), Action.CREATE) for i in range(250)]
    wave += [Change(Address("demo_user", "x"), Action.CANCEL)]
    wave += [Change(Address("demo_account", f"t{i}", "A1"), Action.CREATE) for i in range(3)]
    groups = make_batches(wave, batch_size=lambda kind, action: 100)
    assert [(g.kind, g.action, len(g.changes)) for g in groups] == [
        ("demo_user", Action.CREATE, 100),
        ("demo_user", Action.CREATE, 100),
        ("demo_user", Action.CREATE, 50),
        ("demo_user", Action.CANCEL, 1),
        ("demo_account", Action.CREATE, 3),
    ]
