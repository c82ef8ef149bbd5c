"""How a command-line run's process ends: at once, without freeing what its command built.

A large firm's plan is millions of objects (manifests, state, what the platforms showed, a
change per resource). Freeing them one by one as the command returns, then the interpreter's
own teardown, was a second of a no-change plan at 100,000 traders, spent after everything
was printed. `run` ends the process once the command is done and its output flushed, and
`keep_to_the_end` hands a command's large values over to that end instead of freeing them.

Only the process's own entry (`python -m reconciler`, the `reconciler` script) ends this way:
a command invoked in process (a test's runner) frees its values as any function does.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable

_kept: list[object] = []
_is_ending_at_once = False


def keep_to_the_end(*values: object) -> None:
    """Leave `values` to the end of the process rather than free them when the command
    returns: they are never freed when the process ends at once (`run`); otherwise (a command
    run in process) they are not kept at all."""
    if _is_ending_at_once:
        _kept.extend(values)


def run(main: Callable[[], object]) -> None:
    """Run `main` (the command line) and end the process with its exit status, at once: the
    output flushed and the log handlers closed, no object freed. A run that leaves a thread
    of its own going, or whose output cannot be flushed, ends as Python usually does."""
    global _is_ending_at_once
    _is_ending_at_once = True
    try:
        main()
    except SystemExit as exc:
        status = exc.code
    else:
        status = 0
    if not _is_flushed() or threading.active_count() > 1:
        sys.exit(status)
    code = _exit_code(status)
    logging.shutdown()
    os._exit(code)


def _exit_code(status: object) -> int:
    """The exit code `sys.exit(status)` gives: None is 0, a number itself, anything else is
    printed to standard error and is 1."""
    if status is None:
        return 0
    if isinstance(status, int):
        return status
    print(status, file=sys.stderr, flush=True)
    return 1


def _is_flushed() -> bool:
    for stream in (sys.stdout, sys.stderr):
        if stream is None:
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader gone, a closed stream: the usual end says so
            return False
    return True


__all__ = ["keep_to_the_end", "run"]
