"""Whether a lock's holder process is alive: known only on its own host, where a pid that
exists but started at another time than the holder's belongs to another process."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from reconciler.state.backend import LockInfo

Liveness = Literal["alive", "gone", "unknown"]
"""`unknown`: on another host, or without a pid (an unreadable lock)."""


def process_start(pid: int) -> int | None:
    """When process `pid` started, in clock ticks since boot (Linux `/proc/<pid>/stat`, field
    22); None where that cannot be read."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()  # the command name may hold spaces
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def is_process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def holder_liveness(info: LockInfo) -> tuple[Liveness, str]:
    """Whether the holder's process is alive, and why we think so (a phrase)."""
    if info.host != socket.gethostname():
        return "unknown", f"it runs on another host ({info.host}), where it cannot be checked"
    if info.pid <= 0:
        return "unknown", "its process is not known"
    if not is_process_alive(info.pid):
        return "gone", f"process {info.pid} is gone"
    if info.started is not None:
        started = process_start(info.pid)
        if started is not None and started != info.started:
            return "gone", f"process {info.pid} is gone (the id now belongs to another process)"
    return "alive", f"process {info.pid} is running on this host"


__all__ = ["Liveness", "holder_liveness", "is_process_alive", "process_start"]
