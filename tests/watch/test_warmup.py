"""After a full run the loop makes targeting's look-ups ready and moves the heap it keeps out
of the garbage collector's way."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from reconciler.plan import Address, DesiredResource
from reconciler.state import LocalBackend, StateStore
from reconciler.watch.targets import TraderIndex
from reconciler.watch.warmup import prepare_for_signatures
from reconciler.workspace import Workspace
from reconciler.workspace.declared import Declared

ADDRESSES = ("tradovate_user.b", "tradovate_user.a", "tradovate_entitlement.a/t-prop")


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """The test process's collector as it was."""
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen")
def test_the_lookups_are_made_and_what_is_kept_is_frozen(tmp_path: Path) -> None:
    addresses = [Address.parse(text) for text in ADDRESSES]
    resources = {a: DesiredResource(a, {}, a.trader) for a in addresses}
    store = StateStore(LocalBackend(tmp_path))
    workspace = Workspace(tmp_path, cast(Declared, None), store, cast(Any, {}), resources)
    index = TraderIndex(resources)
    gc.unfreeze()

    prepare_for_signatures(workspace, index)

    assert gc.get_freeze_count() > 0
    assert [r.address for r in index.resources_of("a")] == addresses[1:]
    assert workspace.declared_at(set(addresses)) == tuple(resources.values())
