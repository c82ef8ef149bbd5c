"""The standard streams of a command-line run, made safe: a closed descriptor (`<&-`, `>&-`)
reads or writes /dev/null, a reader that went away (`| head`) ends the run quietly, and text
a non-UTF-8 locale cannot encode is escaped instead of raising."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any, TextIO

STREAMS = (("stdin", 0, "r"), ("stdout", 1, "w"), ("stderr", 2, "w"))


class PipeSafe:
    """A text stream that swallows writes once its reader has gone (a broken pipe), and
    sends them to /dev/null from then on (so nothing fails at interpreter exit either)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.is_broken = False

    def write(self, text: str) -> int:
        if not self.is_broken:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._break()
        return len(text)

    def flush(self) -> None:
        if not self.is_broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._break()

    def _break(self) -> None:
        self.is_broken = True
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())
            os.close(null)
        except (OSError, ValueError):  # not a descriptor (a test's buffer): nothing to close
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guard_streams() -> list[str]:
    """Make the standard streams safe for this run; the names of those that were closed."""
    closed = []
    for name, fd, mode in STREAMS:
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)  # the lowest free descriptor: `fd` itself
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            closed.append(name)
        if getattr(sys, name) is None:
            setattr(sys, name, open(fd, mode, encoding="utf-8", closefd=False))  # noqa: SIM115
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding and encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if not isinstance(sys.stdout, PipeSafe):
        sys.stdout = PipeSafe(sys.stdout)
    return closed


def end_if_pipe_broken() -> None:
    """Leave as other command-line tools do when their reader went away: by SIGPIPE, no
    message (the run itself finished: nothing is left half-done)."""
    stdout = sys.stdout
    if isinstance(stdout, PipeSafe) and stdout.is_broken:
        sys.stdout = stdout._stream
        if hasattr(signal, "SIGPIPE") and _descriptor(stdout) == 1:
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGPIPE)
        sys.exit(1)


def _descriptor(stream: PipeSafe) -> int:
    try:
        return int(stream.fileno())
    except (OSError, ValueError):
        return -1


__all__ = ["PipeSafe", "end_if_pipe_broken", "guard_streams"]
