"""The refresh lets a platform's read requests go when that platform's read ends, while a
slower platform's read goes on (a large firm's requests are hundreds of thousands)."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Mapping, Sequence
from typing import cast

from reconciler.plan import Address, DesiredResource, ReadRequest, Remote
from reconciler.providers import Adapter
from reconciler.state import StateDocument
from reconciler.workspace.refresh import refresh


class _Quick:
    def __init__(self) -> None:
        self.done = threading.Event()

    def read(self, requests: Sequence[ReadRequest]) -> Mapping[Address, Remote]:
        self.done.set()
        return {}


class _Slow:
    """Waits for the quick platform's read, then for its requests to be let go."""

    def __init__(self, quick: _Quick) -> None:
        self.quick = quick
        self.left: int | None = None

    def read(self, requests: Sequence[ReadRequest]) -> Mapping[Address, Remote]:
        self.quick.done.wait(5)
        deadline = time.monotonic() + 5
        while True:
            gc.collect()
            self.left = sum(
                1
                for o in gc.get_objects()
                if type(o) is ReadRequest and o.address.kind == "quick_user"
            )
            if self.left == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return {r.address: Remote(r.address, "1") for r in requests}


def _resources(kind: str, count: int) -> dict[Address, DesiredResource]:
    addresses = (Address(kind, f"t{n}") for n in range(count))
    return {a: DesiredResource(a, {}, a.trader) for a in addresses}


def test_a_platform_s_requests_are_let_go_when_its_read_ends() -> None:
    quick = _Quick()
    slow = _Slow(quick)
    resources = {**_resources("quick_user", 200), **_resources("slow_user", 50)}

    adapters = cast(Mapping[str, Adapter], {"quick": quick, "slow": slow})

    remote = refresh(adapters, resources, StateDocument.new(), {})

    assert slow.left == 0
    assert len(remote) == 50
