"""The C allocator's tuning: once a command starts, a large block freed never makes glibc
carve the next large blocks from the heap, where their space stays resident."""

from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest

from reconciler.allocator import MMAP_THRESHOLD


def _glibc() -> bool:
    try:
        ctypes.CDLL(None).gnu_get_libc_version  # noqa: B018
    except (OSError, AttributeError):
        return False
    return sys.platform.startswith("linux")


pytestmark = pytest.mark.skipif(not _glibc(), reason="the tuning is glibc's (Linux)")

PROBE = """
import ctypes, sys

class Info(ctypes.Structure):  # mallinfo: the count of mapped blocks is its fifth field
    _fields_ = [(name, ctypes.c_int) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks".split()]

libc = ctypes.CDLL(None)
libc.mallinfo.restype = Info
if sys.argv[1] == "command":
    from reconciler.cli import main
    try:
        main(["--version"])
    except SystemExit:
        pass
freed = bytearray(4 * {threshold})  # mapped on its own, then freed: glibc would now raise
del freed                           # its threshold to this size
before = libc.mallinfo().hblks
block = bytearray(2 * {threshold})
print(libc.mallinfo().hblks - before)
"""


def _mapped(mode: str) -> int:
    """How many blocks were mapped on their own to make a block of twice the threshold, after
    one of four times the threshold was freed; `command` runs a command first."""
    script = PROBE.format(threshold=MMAP_THRESHOLD)
    done = subprocess.run(
        [sys.executable, "-c", script, mode], capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[-1])


def test_after_a_command_starts_a_large_block_is_still_mapped_on_its_own() -> None:
    assert _mapped("command") == 1


def test_glibc_left_alone_carves_it_from_the_heap() -> None:
    """The behaviour the tuning turns off (so the test above can fail)."""
    assert _mapped("plain") == 0
