"""The C allocator's tuning for a command that holds a large firm in memory."""

from __future__ import annotations

import ctypes
import sys

MMAP_THRESHOLD = 1024 * 1024
"""Blocks of this many bytes or more are mapped on their own, always (assumed: a tuning of
ours; 256 KiB and 4 MiB left a no-change plan of 100,000 traders 8 and 45 MiB higher)."""

_M_MMAP_THRESHOLD = -3
"""glibc's `mallopt` parameter (malloc.h)."""


def fix_mmap_threshold(threshold: int = MMAP_THRESHOLD) -> bool:
    """On glibc, map every block of `threshold` bytes or more on its own, for the whole run;
    False where the C library is another (nothing is changed).

    glibc raises the size from which it maps a block each time it frees a mapped one (up to
    32 MiB), so the pieces of a large list answer and the tables of a large firm, once the
    first is freed, are carved from the heap between long-lived objects and their space is
    not given back: at the end of a no-change plan of 100,000 traders, 180 MiB of the heap
    were free and still resident. Setting the size turns that raising off."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)  # the process's own C library
        libc.gnu_get_libc_version  # noqa: B018  (glibc only: musl's mallopt does nothing)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold))


__all__ = ["MMAP_THRESHOLD", "fix_mmap_threshold"]
