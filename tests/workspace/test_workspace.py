"""The workspace's refresh: every configured platform is read at the same time."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from reconciler.plan import Address, DesiredResource, ReadRequest, Remote
from reconciler.state import LocalBackend, StateStore
from reconciler.workspace import Workspace
from reconciler.workspace.declared import Declared


class Reader:
    """Reads once `other` has started reading too (or times out)."""

    def __init__(self, started: threading.Event, other: threading.Event) -> None:
        self.started = started
        self.other = other
        self.requests: list[ReadRequest] = []

    def read(self, requests: Sequence[ReadRequest]) -> Mapping[Address, Remote]:
        self.started.set()
        assert self.other.wait(timeout=10), "the other platform was not read at the same time"
        self.requests = list(requests)
        return {r.address: Remote(r.address, f"id-{r.address}") for r in requests}


def test_platforms_are_refreshed_at_the_same_time(tmp_path: Path) -> None:
    alpha_started, beta_started = threading.Event(), threading.Event()
    alpha, beta = Reader(alpha_started, beta_started), Reader(beta_started, alpha_started)
    addresses = [Address.parse(a) for a in ("alpha_user.b", "alpha_user.a", "beta_user.a")]
    resources = {a: DesiredResource(a, {}, a.trader) for a in addresses}
    store = StateStore(LocalBackend(tmp_path))
    workspace = Workspace(
        tmp_path, cast(Declared, None), store, cast(Any, {"alpha": alpha, "beta": beta}), resources
    )
    remote = workspace.refresh(store.read())
    assert sorted(map(str, remote)) == ["alpha_user.a", "alpha_user.b", "beta_user.a"]
    assert [str(r.address) for r in alpha.requests] == ["alpha_user.a", "alpha_user.b"]
