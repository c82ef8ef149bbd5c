"""The cyclic garbage collector around the commands that build a whole firm in memory."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_gc() -> Iterator[None]:
    """No cyclic GC while manifests, state, refresh and plan are built: for a large firm they
    are millions of long-lived, acyclic objects the collector would rescan over and over (most
    of the run time otherwise); reference counting frees everything else."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
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
