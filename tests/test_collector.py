"""The cyclic collector around commands that build a whole firm: off while building, and what
was built left out of later collections when the command ends with it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from reconciler.collector import quiet_gc


@pytest.fixture(autouse=True)
def _collector() -> Iterator[None]:
    gc.unfreeze()
    gc.enable()
    yield
    gc.unfreeze()
    gc.enable()


def test_what_a_command_built_is_not_scanned_again_once_the_collector_is_back() -> None:
    with quiet_gc(keep=True):
        assert not gc.isenabled()
        built = [{"n": i} for i in range(10_000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(built)


def test_a_block_that_keeps_nothing_leaves_the_collector_as_it_was() -> None:
    with quiet_gc():
        kept = [[i] for i in range(1_000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert kept


def test_a_nested_block_neither_freezes_nor_turns_the_collector_back_on() -> None:
    with quiet_gc(keep=True):
        with quiet_gc(keep=True):
            pass
        assert not gc.isenabled()
        assert gc.get_freeze_count() == 0
