"""The counts an apply ends with add up to its changes, also for changes performed by
another change's call."""

from __future__ import annotations

from pathlib import Path

from reconciler.apply.events import ApplyFinished, Event
from reconciler.apply.executor import ApplyContext, apply_plan
from reconciler.apply.journal import Journal
from reconciler.plan import Action, Address, Change, KindRules, Plan, order_changes
from reconciler.state import LocalBackend, ResourceState, StateStore
from tests.apply.test_executor import ALL, FakeAdapter


def test_a_failed_cancel_skips_what_it_performs_and_the_counts_add_up(tmp_path: Path) -> None:
    """An account offboarded by its user's cancel is skipped when that cancel fails: the
    apply finished with errors, it did not stop before reaching the account."""
    store = StateStore(LocalBackend(tmp_path))
    editor = store.read().edit()
    for address in ("alpha_user.a", "alpha_account.a/X1"):
        editor.put(address, ResourceState(remote_id=address, updated_at="t", attributes={}))
    store.write(editor.snapshot())
    user, account = Address.parse("alpha_user.a"), Address.parse("alpha_account.a/X1")
    changes = [
        Change(user, Action.CANCEL, {"name": "a"}, None, remote_id="alpha_user.a"),
        Change(account, Action.CANCEL, {"name": "X1"}, None, via=user, remote_id="x"),
    ]
    document = store.read()
    plan = Plan(order_changes(changes), document.lineage, document.serial, "digest", "now")
    events: list[Event] = []
    context = ApplyContext(
        adapters={"alpha": FakeAdapter(store, failing=["alpha_user.a"])},
        desired={},
        rules={
            "alpha_user": KindRules(ALL),
            "alpha_account": KindRules(ALL, parent="alpha_user"),
        },
        digest=lambda v: "hmac-sha256:x",
        sink=events.append,
        clock=lambda: 0.0,
    )
    result = apply_plan(plan, journal=Journal(store, document, clock=lambda: 0.0), context=context)
    assert result.skipped == (account,)
    finished = events[-1]
    assert isinstance(finished, ApplyFinished)
    assert (finished.succeeded, finished.failed, finished.skipped) == (0, 1, 1)
    assert (finished.not_attempted, finished.total) == (0, 2)
    assert not finished.is_stopped
