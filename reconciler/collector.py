"""The cyclic garbage collector around the commands that build a whole firm in memory."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_gc(*, keep: bool = False) -> Iterator[None]:
    """No cyclic GC while manifests, state, refresh and plan are built: for a large firm they
    are millions of long-lived, acyclic objects the collector would rescan over and over (most
    of the run time otherwise); reference counting frees everything else.

    With `keep` (a command that ends soon after the block), what the block built is frozen
    when it ends: left out of later collections rather than scanned once more as soon as the
    collector is back (a quarter of a second at 10,000 traders), and never collected (a
    cycle among those objects stays until the process ends)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if keep:
                gc.freeze()
            gc.enable()


@contextmanager
def frozen_gc() -> Iterator[None]:
    """Collect during a long apply, leaving out what was built before (frozen)."""
    gc.freeze()
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        gc.unfreeze()
        if not was_enabled:
            gc.disable()


__all__ = ["frozen_gc", "quiet_gc"]
