"""Measured commands run as an installed package does: from compiled bytecode. A machine
whose environment turns Python's bytecode cache off (`PYTHONDONTWRITEBYTECODE`) would
otherwise compile every module on every command (0.6 s of a no-change plan's CPU at 10,000
traders on the benchmark's machine); an install compiles them once."""

from __future__ import annotations

import compileall
import functools
from pathlib import Path

import reconciler


@functools.cache
def compiled() -> None:
    """Compile the package's modules that are not compiled yet (once a process)."""
    compileall.compile_dir(Path(reconciler.__file__).parent, quiet=1)
