"""The command line: click commands, one module per command group, options and exit codes."""

from __future__ import annotations

from reconciler.cli.ending import run as _run
from reconciler.cli.main import main


def run() -> None:
    """The process's entry (`python -m reconciler`, the `reconciler` script): the command
    line, ending the process at once when it is done (see `reconciler.cli.ending`)."""
    _run(main)


__all__ = ["main", "run"]
