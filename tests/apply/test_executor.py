"""The executor with fake adapters: journaling, dependency skips, per-platform concurrency."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from reconciler.apply.events import BatchFinished, Event
from reconciler.apply.executor import ApplyContext, apply_plan
from reconciler.apply.journal import Journal
from reconciler.errors import StalePlan
from reconciler.plan import (
    Action,
    Address,
    Change,
    DesiredResource,
    KindRules,
    Plan,
    order_changes,
)
from reconciler.providers.base import Batch, Capabilities, ItemResult
from reconciler.state import LocalBackend, ResourceState, StateStore

ALL = frozenset({Action.CREATE, Action.UPDATE, Action.CANCEL})


class FakeAdapter:
    """Succeeds for everything except addresses in `failing`; records what it saw."""

    name: ClassVar[str] = "fake"
    capabilities: ClassVar[Capabilities] = Capabilities(
        kinds=(), actions={}, batch_sizes={}, parents={}
    )

    def __init__(
        self,
        store: StateStore,
        *,
        failing: Sequence[str] = (),
        gate: threading.Event | None = None,
        started: threading.Event | None = None,
    ):
        self.store = store
        self.failing = set(failing)
        self.batches: list[Batch] = []
        self.pending_seen: list[set[str]] = []
        self.gate = gate
        self.started = started
        self.lock = threading.Lock()  # batches of one wave run concurrently

    def execute(self, batch: Batch) -> list[ItemResult]:
        if self.started is not None:
            self.started.set()
        if self.gate is not None:
            assert self.gate.wait(timeout=10), "the other platform never ran concurrently"
        seen = {op.address for op in self.store.read().pending.values()}
        with self.lock:
            self.pending_seen.append(seen)
            self.batches.append(batch)
        return [
            ItemResult(item.change.address, ok=False, error="refused")
            if str(item.change.address) in self.failing
            else ItemResult(item.change.address, ok=True, remote_id=f"id-{item.change.address}")
            for item in batch.items
        ]

    def read(self, requests: Any) -> dict[Any, Any]:
        return {}

    def expand(self, desired: Any) -> list[Any]:
        return []

    def close(self) -> None:
        pass


def resource(text: str, *deps: str) -> DesiredResource:
    address = Address.parse(text)
    return DesiredResource(
        address,
        {"name": address.trader},
        address.trader,
        depends_on=tuple(Address.parse(d) for d in deps),
    )


def create(text: str, *deps: str) -> Change:
    return Change(
        Address.parse(text),
        Action.CREATE,
        None,
        {"name": "x"},
        depends_on=tuple(Address.parse(d) for d in deps),
    )


def run(
    tmp_path: Path,
    changes: list[Change],
    resources: list[DesiredResource],
    adapters: dict[str, Any],
    store: StateStore,
    events: list[Event],
) -> Any:
    document = store.read()
    plan = Plan(order_changes(changes), document.lineage, document.serial, "digest", "now")
    rules = {r.address.kind: KindRules(ALL) for r in resources}
    context = ApplyContext(
        adapters=adapters,
        desired={r.address: r for r in resources},
        rules=rules,
        digest=lambda v: "hmac-sha256:x",
        sink=events.append,
        clock=lambda: 0.0,
    )
    return apply_plan(plan, journal=Journal(store, document, clock=lambda: 0.0), context=context)


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return StateStore(LocalBackend(tmp_path))


def test_intent_is_in_state_before_the_call_and_cleared_after(
    tmp_path: Path, store: StateStore
) -> None:
    adapter = FakeAdapter(store)
    resources = [resource("alpha_user.a"), resource("alpha_user.b")]
    result = run(
        tmp_path,
        [create("alpha_user.a"), create("alpha_user.b")],
        resources,
        {"alpha": adapter},
        store,
        [],
    )
    sent = [{str(item.change.address) for item in batch.items} for batch in adapter.batches]
    assert sorted(map(sorted, sent)) == [["alpha_user.a"], ["alpha_user.b"]]  # batch size 1
    assert all(a <= seen for a, seen in zip(sent, adapter.pending_seen, strict=True))
    document = store.read()
    assert document.pending == {}
    assert document.resources["alpha_user.a"].remote_id == "id-alpha_user.a"
    assert result.is_complete


def test_failed_item_skips_its_dependents_and_the_rest_lands(
    tmp_path: Path, store: StateStore
) -> None:
    adapter = FakeAdapter(store, failing=["alpha_user.a"])
    changes = [
        create("alpha_user.a"),
        create("alpha_user.b"),
        create("alpha_account.a/X1", "alpha_user.a"),
        create("alpha_account.b/X2", "alpha_user.b"),
    ]
    resources = [
        resource("alpha_user.a"),
        resource("alpha_user.b"),
        resource("alpha_account.a/X1", "alpha_user.a"),
        resource("alpha_account.b/X2", "alpha_user.b"),
    ]
    result = run(tmp_path, changes, resources, {"alpha": adapter}, store, [])
    assert result.failed == {Address.parse("alpha_user.a"): "refused"}
    assert result.skipped == (Address.parse("alpha_account.a/X1"),)
    assert sorted(store.read().resources) == ["alpha_account.b/X2", "alpha_user.b"]


def test_independent_platforms_are_applied_at_the_same_time(
    tmp_path: Path, store: StateStore
) -> None:
    """alpha's first call waits until beta has started: only concurrency lets both finish."""
    beta_started = threading.Event()
    alpha = FakeAdapter(store, gate=beta_started)
    beta = FakeAdapter(store, started=beta_started)
    changes = [
        create("alpha_user.a"),
        create("alpha_account.a/X1", "alpha_user.a"),
        create("beta_user.a"),
    ]
    resources = [
        resource("alpha_user.a"),
        resource("alpha_account.a/X1", "alpha_user.a"),
        resource("beta_user.a"),
    ]
    result = run(tmp_path, changes, resources, {"alpha": alpha, "beta": beta}, store, [])
    assert result.is_complete
    assert [b.kind for b in alpha.batches] == ["alpha_user", "alpha_account"]
    assert [b.kind for b in beta.batches] == ["beta_user"]
    assert sorted(store.read().resources) == ["alpha_account.a/X1", "alpha_user.a", "beta_user.a"]


def test_a_plan_from_another_serial_is_refused(tmp_path: Path, store: StateStore) -> None:
    document = store.write(store.read())
    plan = Plan((), document.lineage, document.serial - 1, "digest", "now")
    context = ApplyContext(
        adapters={}, desired={}, rules={}, digest=str, sink=lambda e: None, clock=lambda: 0.0
    )
    with pytest.raises(StalePlan, match="serial"):
        apply_plan(plan, journal=Journal(store, document, clock=lambda: 0.0), context=context)


def test_an_update_keeps_the_recorded_create_only_values(tmp_path: Path, store: StateStore) -> None:
    """The platform never received the new create-only value, so state must not claim it."""
    editor = store.read().edit()
    editor.put(
        "alpha_user.a",
        ResourceState(
            remote_id="1", updated_at="t", attributes={"email": "old@x.io", "settings": "old"}
        ),
    )
    store.write(editor.snapshot())
    address = Address.parse("alpha_user.a")
    desired = DesiredResource(
        address, {"email": "new@x.io", "settings": "new"}, "a", create_only=frozenset({"settings"})
    )
    change = Change(
        address,
        Action.UPDATE,
        {"email": "old@x.io"},
        {"email": "new@x.io"},
        ("email",),
        remote_id="1",
    )
    run(tmp_path, [change], [desired], {"alpha": FakeAdapter(store)}, store, [])
    assert store.read().resources["alpha_user.a"].attributes == {
        "email": "new@x.io",
        "settings": "old",
    }


def test_batches_of_one_wave_run_at_the_same_time(tmp_path: Path, store: StateStore) -> None:
    """Each batch waits for the other to start: only concurrency lets both finish."""
    barrier = threading.Barrier(2, timeout=10)

    class Meeting(FakeAdapter):
        def execute(self, batch: Batch) -> list[ItemResult]:
            barrier.wait()
            return super().execute(batch)

    changes = [create("alpha_user.a"), create("alpha_user.b")]
    resources = [resource("alpha_user.a"), resource("alpha_user.b")]
    result = run(tmp_path, changes, resources, {"alpha": Meeting(store)}, store, [])
    assert result.is_complete


def test_a_round_of_batches_is_journaled_in_two_state_writes(
    tmp_path: Path, store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten batches of one item, eight workers: two rounds, each one write before, one after."""
    writes: list[int] = []
    real = store.write

    def counted(document: Any) -> Any:
        writes.append(len(document.pending))
        return real(document)

    monkeypatch.setattr(store, "write", counted)
    names = [f"alpha_user.u{i}" for i in range(10)]
    result = run(
        tmp_path,
        [create(n) for n in names],
        [resource(n) for n in names],
        {"alpha": FakeAdapter(store)},
        store,
        [],
    )
    assert result.is_complete
    assert writes == [8, 0, 2, 0]  # the intents of a round, then its outcomes
    assert sorted(store.read().resources) == sorted(names)


def test_a_sink_that_stops_the_apply_leaves_the_rest_unsent_and_state_recorded(
    tmp_path: Path, store: StateStore
) -> None:
    """Watch's shutdown raises from the sink when a batch finished: the batches of the round
    not sent yet are not sent, what finished is in state, and no intent is left pending."""

    class Stop(Exception):
        pass

    def sink(event: Event) -> None:
        if isinstance(event, BatchFinished):
            raise Stop

    editor = store.read().edit()
    for n in range(100):  # a large state: one round carries all 40 batches
        editor.put(
            f"alpha_user.old{n}", ResourceState(remote_id=str(n), updated_at="t", attributes={})
        )
    store.write(editor.snapshot())
    adapter = FakeAdapter(store)
    names = [f"alpha_user.u{n}" for n in range(40)]
    document = store.read()
    plan = Plan(
        order_changes([create(n) for n in names]), document.lineage, document.serial, "d", "now"
    )
    context = ApplyContext(
        adapters={"alpha": adapter},
        desired={r.address: r for r in map(resource, names)},
        rules={"alpha_user": KindRules(ALL)},
        digest=lambda v: "hmac-sha256:x",
        sink=sink,
        clock=lambda: 0.0,
        workers=2,
    )
    with pytest.raises(Stop):
        apply_plan(plan, journal=Journal(store, document, clock=lambda: 0.0), context=context)
    sent = {str(item.change.address) for batch in adapter.batches for item in batch.items}
    assert 1 <= len(sent) <= 2  # the batches in flight when the first one finished
    recorded = store.read()
    assert {a for a in recorded.resources if ".u" in a} == sent
    assert recorded.pending == {}
