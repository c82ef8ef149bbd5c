"""A plan made while an apply holds the state lock: the operations the apply has in flight are
not those of an interrupted apply."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.errors import ProviderUnavailable
from reconciler.providers.base import Batch
from reconciler.state import LocalBackend, LockInfo
from reconciler.workspace import open_workspace
from tests.project import Project


def leave_pending_creates(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """An apply whose user creates lose their answers: their operations stay pending."""
    with open_workspace(project.manifests) as workspace:
        adapter = workspace.adapters["tradovate"]
        real = adapter.execute

        def lossy(batch: Batch) -> Any:
            results = real(batch)
            if batch.kind == "tradovate_user":
                raise ProviderUnavailable("connection reset", provider="tradovate", operation="x")
            return results

        monkeypatch.setattr(adapter, "execute", lossy)
        with workspace.store.lock(command="test"):
            document = workspace.store.read()
            plan, remote = workspace.plan(document)
            with pytest.raises(ProviderUnavailable):
                workspace.apply(plan, remote, document, sink=lambda event: None)


def test_a_plan_during_an_apply_says_its_operations_are_in_flight(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    leave_pending_creates(project, monkeypatch)
    backend = LocalBackend(project.state_file.parent)
    running = LockInfo.current("apply")  # this process: alive
    backend.acquire(running)
    try:
        planned = project.run("plan").output
    finally:
        backend.release(running.id)

    assert "of an interrupted apply were pending" not in planned
    assert "3 operation(s) are in flight in the apply" in planned
    assert "3 operation(s) of an interrupted apply were pending" in project.run("plan").output
